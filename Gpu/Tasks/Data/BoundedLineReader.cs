using System.Buffers;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>One line of a <see cref="BoundedLineReader"/>.</summary>
/// <param name="Number">1-based line number.</param>
/// <param name="Bytes">The line's bytes without its terminator.</param>
/// <param name="TooLong">True when the line held more than the reader's limit: its bytes were skipped, not
/// kept.</param>
public readonly record struct BoundedLine(long Number, ReadOnlyMemory<byte> Bytes, bool TooLong);

/// <summary>
/// Reads lines of bytes ('\n' or "\r\n" terminated) holding at most <c>maxLineBytes</c> of one line in memory, unlike
/// <see cref="StreamReader.ReadLine()"/>, whose line grows without bound (a 200 MB line was a bare
/// OutOfMemoryException, issue #11). A longer line is consumed up to its end and returned with
/// <see cref="BoundedLine.TooLong"/> set, so a caller may report it and go on or stop. Bytes are not decoded: callers
/// parse UTF-8 JSON from the bytes directly, or decode strictly to name an invalid line.
/// </summary>
public sealed class BoundedLineReader(Stream stream, int maxLineBytes)
{
    private readonly byte[] buffer = new byte[64 * 1024];
    private readonly ArrayBufferWriter<byte> line = new();
    private int start;
    private int end;
    private long number;

    /// <summary>The limit on one line's bytes.</summary>
    public int MaxLineBytes { get; } =
        maxLineBytes > 0
            ? maxLineBytes
            : throw new ArgumentOutOfRangeException(nameof(maxLineBytes), maxLineBytes, "Set a line limit ≥ 1.");

    /// <summary>The next line, or null at the end of the stream.</summary>
    public BoundedLine? ReadLine()
    {
        line.ResetWrittenCount();
        bool tooLong = false;
        bool any = false;
        while (true)
        {
            if (start == end && !Fill())
            {
                if (!any)
                    return null;
                break; // last line without a terminator
            }
            any = true;
            int newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            int take = newline < 0 ? end - start : newline;
            if (!tooLong && line.WrittenCount + take > MaxLineBytes + 1)
                tooLong = true; // +1: a '\r' before '\n' is not content
            if (!tooLong)
                line.Write(buffer.AsSpan(start, take));
            start += newline < 0 ? take : take + 1;
            if (newline >= 0)
                break;
        }
        number++;
        ReadOnlyMemory<byte> bytes = tooLong ? ReadOnlyMemory<byte>.Empty : line.WrittenMemory;
        if (bytes.Length > 0 && bytes.Span[^1] == (byte)'\r')
            bytes = bytes[..^1];
        if (bytes.Length > MaxLineBytes)
            (bytes, tooLong) = (ReadOnlyMemory<byte>.Empty, true);
        return new BoundedLine(number, tooLong ? ReadOnlyMemory<byte>.Empty : bytes.ToArray(), tooLong);
    }

    private bool Fill()
    {
        start = 0;
        end = stream.Read(buffer, 0, buffer.Length);
        return end > 0;
    }
}
