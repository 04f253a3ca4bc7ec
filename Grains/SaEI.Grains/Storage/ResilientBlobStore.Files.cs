using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Win32.SafeHandles;

namespace SaEI.Grains.Storage;

/// <summary>
/// Streamed file transfers: a file of any size moves in blocks of <see cref="BlobStoreOptions.TransferBlockBytes"/>
/// with <see cref="BlobStoreOptions.TransferConcurrency"/> blocks in flight, so memory is (concurrency + 1) blocks
/// whatever the file's size (.NET arrays stop at 2 GB; a 7B checkpoint is 100 GB).
/// Decisions:
/// 1. Upload: the file is read in order; each block is added to the file's SHA-256 as it is read, then staged (Put
///    Block) with its MD5, which the service checks against the body (<see cref="BlobStoreOptions.TransferBlockMd5"/>;
///    Azurite computes a checksum of every block either way, and the MD5 is the cheapest one it computes); the block
///    list is committed when every block is staged. Each block and the commit are attempts of their own under the
///    Polly pipeline.
/// 2. Block ids are the block's index at a fixed width: an upload repeated after a crash stages the same ids, and
///    the commit lists exactly this upload's blocks. Blocks staged by a killed upload are never part of the blob
///    (the service drops uncommitted blocks; the next commit of the blob discards them).
/// 3. Download: ranges of one block, up to the concurrency in flight, written to the file in order and hashed as
///    they are written; each range is read only if the blob still has the ETag seen first (a blob replaced
///    mid-download fails instead of mixing two versions).
/// </summary>
public sealed partial class ResilientBlobStore
{
    /// <summary>The service's limit on blocks in one blob.</summary>
    private const int MaxBlocks = 50_000;

    /// <summary>Uploads <paramref name="localFile"/> to <paramref name="path"/> (overwriting) in parallel
    /// blocks.</summary>
    public async Task<FileTransfer> UploadFileAsync(
        string path,
        string localFile,
        CancellationToken cancellation = default
    )
    {
        using var file = File.OpenHandle(
            localFile,
            FileMode.Open,
            FileAccess.Read,
            FileShare.Read,
            FileOptions.SequentialScan
        );
        long length = RandomAccess.GetLength(file);
        int blockBytes = Options.TransferBlockBytes;
        long blocks = (length + blockBytes - 1) / blockBytes;
        if (blocks > MaxBlocks)
            throw new IOException(
                $"file {localFile} ({length} bytes) needs {blocks} blocks of {blockBytes} "
                    + $"bytes, over the service's {MaxBlocks}; raise "
                    + $"{nameof(BlobStoreOptions.TransferBlockBytes)}."
            );
        var client = container.GetBlockBlobClient(path);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffers = new BlockBuffers(blockBytes);
        var ids = new List<string>();
        var window = new TransferWindow<bool>(Options.TransferConcurrency, cancellation);
        for (long index = 0; index < blocks; index++)
        {
            await window.MakeRoomAsync();
            long offset = index * blockBytes;
            int count = (int)Math.Min(blockBytes, length - offset);
            byte[] buffer = buffers.Rent();
            await ReadExactlyAsync(file, buffer.AsMemory(0, count), offset, localFile, cancellation);
            sha.AppendData(buffer, 0, count);
            string id = BlockId(index);
            ids.Add(id);
            window.Add(ct => StageBlockAsync(client, path, id, buffer, count, buffers, ct));
        }
        await window.DrainAsync();
        var committed = await RunAsync(
            "commit blocks",
            path,
            async ct => (await client.CommitBlockListAsync(ids, new CommitBlockListOptions(), ct)).Value.ETag,
            cancellation
        );
        return new FileTransfer(path, length, Convert.ToHexStringLower(sha.GetHashAndReset()), committed);
    }

    /// <summary>
    /// Downloads <paramref name="path"/> into <paramref name="localFile"/> (created; null: only hashed) in parallel
    /// ranges. Null when the blob does not exist; when its size is not <paramref name="expectedSize"/> nothing is
    /// downloaded and the result has that size and no hash.
    /// </summary>
    public async Task<FileTransfer?> DownloadFileAsync(
        string path,
        string? localFile,
        long? expectedSize = null,
        CancellationToken cancellation = default
    )
    {
        if (await GetInfoAsync(path, cancellation) is not { } info)
            return null;
        if (expectedSize is { } expected && expected != info.Size)
            return new FileTransfer(path, info.Size, null, info.ETag);
        using var file = localFile is null
            ? null
            : File.OpenHandle(
                localFile,
                FileMode.CreateNew,
                FileAccess.Write,
                FileShare.None,
                FileOptions.None,
                info.Size
            );
        var client = container.GetBlobClient(path);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int blockBytes = Options.TransferBlockBytes;
        var buffers = new BlockBuffers(blockBytes);
        // Ranges complete in any order; they are hashed and written in order as the window hands them back.
        var window = new TransferWindow<(byte[] Buffer, int Count, long Offset)>(
            Options.TransferConcurrency,
            cancellation,
            async range =>
            {
                sha.AppendData(range.Buffer, 0, range.Count);
                var bytes = range.Buffer.AsMemory(0, range.Count);
                if (file is not null)
                    await RandomAccess.WriteAsync(file, bytes, range.Offset, cancellation);
                buffers.Return(range.Buffer);
            }
        );
        for (long offset = 0; offset < info.Size; offset += blockBytes)
        {
            await window.MakeRoomAsync();
            long start = offset;
            int count = (int)Math.Min(blockBytes, info.Size - offset);
            byte[] buffer = buffers.Rent();
            window.Add(async ct =>
            {
                await RunAsync(
                    "read range",
                    path,
                    async attempt =>
                    {
                        var options = new BlobDownloadOptions
                        {
                            Range = new HttpRange(start, count),
                            Conditions = new BlobRequestConditions { IfMatch = info.ETag },
                        };
                        var response = await client.DownloadStreamingAsync(options, attempt);
                        await using var content = response.Value.Content;
                        await content.ReadExactlyAsync(buffer.AsMemory(0, count), attempt);
                        return true;
                    },
                    ct
                );
                return (buffer, count, start);
            });
        }
        await window.DrainAsync();
        return new FileTransfer(path, info.Size, Convert.ToHexStringLower(sha.GetHashAndReset()), info.ETag);
    }

    private async Task<bool> StageBlockAsync(
        BlockBlobClient client,
        string path,
        string id,
        byte[] buffer,
        int count,
        BlockBuffers buffers,
        CancellationToken cancellation
    )
    {
        try
        {
            byte[]? md5 = Options.TransferBlockMd5 ? MD5.HashData(buffer.AsSpan(0, count)) : null;
            return await RunAsync(
                "stage block",
                path,
                async ct =>
                {
                    using var body = new MemoryStream(buffer, 0, count, writable: false);
                    var options = new BlockBlobStageBlockOptions
                    {
                        TransferValidation = md5 is null
                            ? null
                            : new UploadTransferValidationOptions
                            {
                                ChecksumAlgorithm = StorageChecksumAlgorithm.MD5,
                                PrecalculatedChecksum = md5,
                            },
                    };
                    await client.StageBlockAsync(id, body, options, ct);
                    return true;
                },
                cancellation
            );
        }
        finally
        {
            buffers.Return(buffer);
        }
    }

    private static async Task ReadExactlyAsync(
        SafeFileHandle file,
        Memory<byte> buffer,
        long offset,
        string localFile,
        CancellationToken cancellation
    )
    {
        while (buffer.Length > 0)
        {
            int read = await RandomAccess.ReadAsync(file, buffer, offset, cancellation);
            if (read == 0)
                throw new IOException(
                    $"file {localFile} ended at byte {offset} while it was being uploaded; "
                        + "it was changed or truncated."
                );
            buffer = buffer[read..];
            offset += read;
        }
    }

    /// <summary>Fixed-width ids ("block-000000" in base64): the service requires one length per blob.</summary>
    private static string BlockId(long index) =>
        Convert.ToBase64String(
            Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"block-{index:D6}"))
        );

    /// <summary>Block buffers of one transfer, reused: at most concurrency + 1 exist at once.</summary>
    private sealed class BlockBuffers(int blockBytes)
    {
        private readonly ConcurrentBag<byte[]> free = [];

        public byte[] Rent() => free.TryTake(out byte[]? buffer) ? buffer : new byte[blockBytes];

        public void Return(byte[] buffer) => free.Add(buffer);
    }
}

/// <summary>One file moved by <see cref="ResilientBlobStore.UploadFileAsync"/> or
/// <see cref="ResilientBlobStore.DownloadFileAsync"/>: its size, SHA-256 (lower-case hex; null when not read) and
/// ETag.</summary>
public sealed record FileTransfer(string Path, long Size, string? Sha256, ETag ETag);
