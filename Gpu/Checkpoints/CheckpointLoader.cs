using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Checkpoints;

/// <summary>
/// Streams a checkpoint folder's tensors into existing tensors by name (parameters and buffers, any device, any float
/// dtype): peak memory is the targets plus one tensor, never the whole file or model as bytes.
/// Per tensor: read its bytes from the shard in blocks into one staging CPU tensor of the stored dtype, copy_ into the
/// target (dtype and device converted in that one copy), dispose the staging tensor.
/// Decisions:
/// 1. Everything that can be checked is checked before the first byte is copied: all headers (<see
///    cref="CheckpointFolder.Open"/>), names and shapes against the targets (<see cref="CheckpointFolder.Verify"/>),
///    float-ness of stored vs target dtype. A corrupt checkpoint leaves the targets untouched.
/// 2. Fast path: a contiguous CPU target of the stored dtype is read into directly (no staging tensor, no copy).
/// 3. Shards are read in file order and, within a shard, in data order, so the disk sees sequential reads.
/// 4. An I/O error or a file that shrank after validation is an <see cref="InvalidDataException"/>
///    (<see cref="CheckpointError"/>) naming the file and tensor; tensors already loaded by then keep their new values.
/// Peak memory and load time against a raw read are measured by Benchmarks `checkpoint-load` (README "Benchmarks").
/// </summary>
public static class CheckpointLoader
{
    /// <summary>Opens <paramref name="directory"/>, validates it against the targets, then loads every
    /// tensor.</summary>
    public static CheckpointFolder Load(
        string directory,
        IReadOnlyDictionary<string, Tensor> targets,
        Func<string, string>? normalizeName = null
    )
    {
        var folder = CheckpointFolder.Open(directory, normalizeName);
        Load(folder, targets);
        return folder;
    }

    public static void Load(CheckpointFolder folder, IReadOnlyDictionary<string, Tensor> targets)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(targets);
        folder.Verify(targets.ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal));
        foreach (var (name, tensor) in folder.Tensors)
        {
            bool targetFloat = targets[name].is_floating_point();
            if (tensor.Entry.DType.IsFloatingPoint != targetFloat)
                throw CheckpointError.Create(
                    tensor.Shard.FilePath,
                    tensor.StoredName,
                    $"is stored as {tensor.Entry.DType.Name} but its target is {targets[name].dtype}; floating-point "
                        + $"and integer tensors do not convert into each other."
                );
        }
        using var noGrad = no_grad();
        foreach (var shard in folder.Shards)
        {
            var tensors = folder
                .Tensors.Values.Where(t => ReferenceEquals(t.Shard, shard))
                .OrderBy(t => t.Entry.Begin)
                .ToList();
            using SafeFileHandle file = OpenShard(shard);
            foreach (var tensor in tensors)
                LoadOne(file, tensor, targets[tensor.Name]);
        }
    }

    private static void LoadOne(SafeFileHandle file, CheckpointTensor tensor, Tensor target)
    {
        string path = tensor.Shard.FilePath;
        if (target.device_type == DeviceType.CPU && target.dtype == tensor.Entry.DType.Type && target.is_contiguous())
        {
            TensorFileIO.Read(target, file, tensor.FileOffset, path, tensor.StoredName);
            return;
        }
        using var scope = NewDisposeScope();
        var staging = empty(tensor.Entry.Shape, tensor.Entry.DType.Type); // stored dtype, CPU, one tensor
        TensorFileIO.Read(staging, file, tensor.FileOffset, path, tensor.StoredName);
        target.copy_(staging); // converts dtype and device
    }

    private static SafeFileHandle OpenShard(SafetensorsHeader shard)
    {
        SafeFileHandle? file = null;
        try
        {
            file = File.OpenHandle(
                shard.FilePath,
                FileMode.Open,
                FileAccess.Read,
                FileShare.Read,
                FileOptions.SequentialScan
            );
            long length = RandomAccess.GetLength(file);
            if (length != shard.DataStart + shard.DataLength)
                throw CheckpointError.Create(
                    shard.FilePath,
                    null,
                    $"is {length} bytes now but was {shard.DataStart + shard.DataLength} when its header was "
                        + $"checked; it changed during loading."
                );
            return file;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file?.Dispose();
            throw CheckpointError.Create(shard.FilePath, null, $"cannot be opened for reading: {e.Message}", e);
        }
        catch
        {
            file?.Dispose();
            throw;
        }
    }
}
