using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using SaEI.Gpu.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Checkpoints;

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("saei-ckpt-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Small named tensors, sharded writes and surgery on safetensors headers for the checkpoint tests.</summary>
internal static class CheckpointFixtures
{
    private static readonly Scalar Sentinel = 7.0.ToScalar();

    /// <summary>Seeded float32 tensors of several ranks (a scalar and an empty one included), 468 bytes in
    /// F32.</summary>
    public static List<KeyValuePair<string, Tensor>> Tensors(long seed = 1)
    {
        using var generator = new Generator((ulong)seed, CPU);
        (string Name, long[] Shape)[] specs =
        [
            ("a.weight", [6, 4]),
            ("a.bias", [6]),
            ("b.weight", [5, 2, 3]),
            ("c.scale", []),
            ("d.empty", [0, 3]),
            ("e.weight", [7, 8]),
        ];
        return
        [
            .. specs.Select(s => new KeyValuePair<string, Tensor>(
                s.Name,
                randn(s.Shape, ScalarType.Float32, generator: generator)
            )),
        ];
    }

    /// <summary>Zero-initialised targets of the same names and shapes, filled with a sentinel so "unchanged" is
    /// testable.</summary>
    public static Dictionary<string, Tensor> Targets(
        IEnumerable<KeyValuePair<string, Tensor>> tensors,
        ScalarType dtype
    ) => tensors.ToDictionary(p => p.Key, p => full(p.Value.shape, Sentinel, dtype), StringComparer.Ordinal);

    /// <summary>A target filled with the sentinel 7.</summary>
    public static Tensor Filled(long[] shape, ScalarType dtype = ScalarType.Float32) => full(shape, Sentinel, dtype);

    /// <summary>Asserts every target still holds the sentinel 7.</summary>
    public static void AssertUnchanged(Dictionary<string, Tensor> targets)
    {
        foreach (var (name, target) in targets)
            Assert.True(
                target.numel() == 0 || target.eq(Sentinel).all().item<bool>(),
                $"target '{name}' was modified."
            );
    }

    /// <summary>Writes the tensors sharded (several files for <see cref="Tensors"/>: 200-byte shards in F32).</summary>
    public static IReadOnlyList<string> WriteSharded(
        string folder,
        IReadOnlyList<KeyValuePair<string, Tensor>> tensors,
        ScalarType dtype = ScalarType.Float32,
        long maxShardBytes = 200
    ) =>
        CheckpointWriter.Write(
            folder,
            tensors,
            new CheckpointWriteOptions { DType = dtype, MaxShardBytes = maxShardBytes }
        );

    /// <summary>Header JSON of a safetensors file.</summary>
    public static JsonObject ReadHeader(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
    }

    /// <summary>Replaces a file's header (raw JSON text) and keeps its data bytes.</summary>
    public static void ReplaceHeader(string path, string json)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        byte[] header = Encoding.UTF8.GetBytes(json);
        var file = new byte[8 + header.Length + bytes.Length - 8 - length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        bytes.AsSpan(8 + length).CopyTo(file.AsSpan(8 + header.Length));
        File.WriteAllBytes(path, file);
    }

    /// <summary>Edits a file's header as JSON and keeps its data bytes.</summary>
    public static void EditHeader(string path, Action<JsonObject> edit)
    {
        var header = ReadHeader(path);
        edit(header);
        ReplaceHeader(path, header.ToJsonString());
    }

    /// <summary>The shard file that holds <paramref name="tensor"/>.</summary>
    public static string ShardOf(string folder, string tensor)
    {
        string index = System.IO.Path.Combine(folder, SafetensorsIndex.FileName);
        return System.IO.Path.Combine(
            folder,
            File.Exists(index) ? SafetensorsIndex.Read(index).WeightMap[tensor] : CheckpointFolder.SingleFileName
        );
    }
}
