using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Checkpoints;

/// <summary>
/// Moves tensor bytes between a file and a CPU tensor's own memory, block by block, with no managed copy in between
/// (reads at explicit offsets; writes append to a stream). Decisions:
/// 1. The project does not allow unsafe code; TorchSharp's <c>Tensor.bytes</c> is a Span over the tensor's native
///    storage (not a copy) but only up to 2 GB, so the tensor is viewed flat and narrowed to blocks of
///    <see cref="BlockBytes"/>; each block's span goes straight to <see cref="RandomAccess"/>.
/// 2. Short reads are retried; a file that ends early is an error naming the file, tensor and byte offset.
/// </summary>
internal static class TensorFileIO
{
    /// <summary>64 MiB: large enough for sequential throughput, small enough that one span never nears 2 GB.</summary>
    public const long BlockBytes = 64L << 20;

    /// <summary>Fills a contiguous CPU tensor with the bytes of <paramref name="file"/> from <paramref
    /// name="offset"/>.</summary>
    public static void Read(
        Tensor target,
        SafeFileHandle file,
        long offset,
        string filePath,
        string tensorName,
        long blockBytes = BlockBytes
    )
    {
        ForEachBlock(
            target,
            offset,
            blockBytes,
            (block, position) =>
            {
                try
                {
                    ReadExactly(file, block, position, filePath, tensorName);
                }
                catch (IOException e)
                {
                    throw CheckpointError.Create(
                        filePath,
                        tensorName,
                        $"could not be read at byte {position}: {e.Message}",
                        e
                    );
                }
            }
        );
    }

    /// <summary>Appends a contiguous CPU tensor's bytes to <paramref name="stream"/>.</summary>
    public static void Write(Tensor source, Stream stream) =>
        ForEachBlock(source, 0, BlockBytes, (block, _) => stream.Write(block));

    public static void ReadExactly(
        SafeFileHandle file,
        Span<byte> buffer,
        long offset,
        string filePath,
        string? tensorName
    )
    {
        while (buffer.Length > 0)
        {
            int read = RandomAccess.Read(file, buffer, offset);
            if (read == 0)
                throw CheckpointError.Create(
                    filePath,
                    tensorName,
                    $"{(tensorName is null ? "ends" : "is cut short: the file ends")} at byte {offset}, "
                        + $"{buffer.Length} bytes short; it was truncated or changed after its header was checked."
                );
            buffer = buffer[read..];
            offset += read;
        }
    }

    private delegate void BlockAction(Span<byte> block, long fileOffset);

    private static void ForEachBlock(Tensor tensor, long offset, long blockBytes, BlockAction action)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
            throw new ArgumentException(
                $"file I/O needs a contiguous CPU tensor; got {tensor.device_type}, "
                    + $"contiguous={tensor.is_contiguous()}.",
                nameof(tensor)
            );
        long elements = tensor.numel();
        if (elements == 0)
            return;
        long elementSize = tensor.element_size();
        long blockElements = Math.Max(1, blockBytes / elementSize);
        using var flat = tensor.view(-1L); // [numel], same storage
        for (long start = 0; start < elements; start += blockElements)
        {
            long count = Math.Min(blockElements, elements - start);
            using var block = flat.narrow(0, start, count); // contiguous slice of the storage
            action(block.bytes, offset + start * elementSize);
        }
    }
}
