using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// The checks that run before a spec is loaded into a YAML tree, so that no input can exhaust the stack or memory of
/// the process that parses it (a silo's grain thread, or the CLI).
///
/// Decisions:
/// 1. Size first, on the text itself: nothing is scanned when the spec is larger than <see cref="SpecLimits.MaxBytes"/>.
/// 2. Depth on YamlDotNet's event parser, not on a guess from brackets and indentation. The stack overflow of a deeply
///    nested spec is in the representation model (YamlNode.ParseNode → YamlSequenceNode..ctor → ParseNode …, one set of
///    frames per level); the scanner and the event parser are state machines whose per-level state lives in heap stacks
///    (flow level, indents, parser states). So walking the events and counting open mappings and lists measures the
///    exact depth the tree would have — flow brackets, block indentation and compact `- - -` alike — in constant stack,
///    and stops at the first level past the limit. HostileSpecTests prove it on a thread with a 256 KiB stack.
/// </summary>
internal static class SpecBounds
{
    /// <summary>An error when <paramref name="yaml"/> is larger than the limit; null when it fits.</summary>
    public static SpecError? CheckSize(string yaml, SpecLimits limits)
    {
        // Characters first: a string longer than the limit in characters is longer in UTF-8 bytes too, and counting
        // the bytes of a huge string would be the unbounded work this check exists to avoid.
        long size = yaml.Length > limits.MaxBytes ? yaml.Length : Encoding.UTF8.GetByteCount(yaml);
        if (size <= limits.MaxBytes) return null;
        string measured = yaml.Length > limits.MaxBytes ? $"{yaml.Length} characters" : $"{size} bytes";
        return new SpecError("", $"the spec is {measured}; a spec may have at most {limits.MaxBytes} bytes ({SpecLimits.Setting(nameof(SpecLimits.MaxBytes))}). " +
                                 "A sweep spec is a few KiB: list grid values, not data.");
    }

    /// <summary>
    /// An error at the first mapping or list nested deeper than the limit; null when the document stays within it.
    /// Throws <see cref="YamlException"/> on a syntax error met before that point (the caller reports those).
    /// </summary>
    public static SpecError? CheckDepth(string yaml, SpecLimits limits)
    {
        var parser = new Parser(new StringReader(yaml));
        int depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart:
                    if (++depth > limits.MaxDepth)
                        return new SpecError("", $"the spec nests mappings and lists more than {limits.MaxDepth} levels deep, the most allowed " +
                                                 $"({SpecLimits.Setting(nameof(SpecLimits.MaxDepth))}); a sweep spec needs about 4. Remove the extra [ {{ or indentation here.",
                            (int)parser.Current.Start.Line, (int)parser.Current.Start.Column);
                    break;
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }
        return null;
    }

    /// <summary>
    /// Reads a spec file as strict UTF-8, at most <see cref="SpecLimits.MaxBytes"/> (+1 to detect more), so a device such
    /// as /dev/zero or a huge file is refused after a bounded read. The text, or the one error that names the file.
    /// </summary>
    public static async Task<(string? Text, SpecError? Error)> ReadFileAsync(string path, SpecLimits limits, CancellationToken cancellation)
    {
        if (Directory.Exists(path)) return (null, new SpecError("", $"'{path}' is a directory; give the path of a YAML sweep spec file."));
        if (!File.Exists(path)) return (null, new SpecError("", $"file '{path}' does not exist; give the path of a YAML sweep spec."));
        // Chunks up to one byte past the limit (a limit raised to int.MaxValue allocates only what the file holds).
        using var content = new MemoryStream();
        byte[] chunk = new byte[64 * 1024];
        long read = 0;
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous))
        {
            int n;
            while (read <= limits.MaxBytes && (n = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limits.MaxBytes + 1L - read)), cancellation)) > 0)
            {
                content.Write(chunk, 0, n);
                read += n;
            }
        }
        if (read > limits.MaxBytes && new FileInfo(path).Length <= limits.MaxBytes) // e.g. /dev/zero: length 0, endless data
            return (null, new SpecError("", $"'{path}' is not a regular file (a device or pipe that gave more than {limits.MaxBytes} bytes); give a YAML sweep spec file."));
        if (read > limits.MaxBytes)
            return (null, new SpecError("", $"'{path}' has more than {limits.MaxBytes} bytes; a spec may have at most {limits.MaxBytes} bytes ({SpecLimits.Setting(nameof(SpecLimits.MaxBytes))}). A sweep spec is a few KiB."));
        var bytes = content.GetBuffer().AsSpan(0, (int)read);
        if (bytes.StartsWith(Encoding.UTF8.Preamble)) bytes = bytes[Encoding.UTF8.Preamble.Length..];
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes), null);
        }
        catch (DecoderFallbackException e)
        {
            return (null, new SpecError("", $"'{path}' is not UTF-8 text (an invalid byte near offset {e.Index}); save the spec as UTF-8."));
        }
    }
}
