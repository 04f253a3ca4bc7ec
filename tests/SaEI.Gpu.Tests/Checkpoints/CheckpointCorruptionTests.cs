using System.Buffers.Binary;
using System.Text.Json.Nodes;
using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Checkpoints;

/// <summary>
/// Every way a checkpoint folder can be wrong → one InvalidDataException naming the file and the tensor, and the
/// targets untouched. The fixture is <see cref="CheckpointFixtures.Tensors"/> written as 3 F32 shards:
/// shard 1 {a.weight [0,96), a.bias [96,120)}, shard 2 {b.weight, c.scale, d.empty}, shard 3 {e.weight}.
/// </summary>
public sealed class CheckpointCorruptionTests(ITestOutputHelper output)
{
    private const string Shard1 = "model-00001-of-00003.safetensors",
        Shard2 = "model-00002-of-00003.safetensors",
        Shard3 = "model-00003-of-00003.safetensors";
    private const string Index = SafetensorsIndex.FileName;

    [Theory]
    [InlineData("missing tensor", Index, "z.extra", "is missing")]
    [InlineData("unexpected tensor", Shard2, "b.weight", "is not a tensor of the model")]
    [InlineData("wrong shape", Shard1, "a.weight", "has shape [6,4]; the model expects [4,6]")]
    [InlineData("integer target", Shard3, "e.weight", "is stored as F32 but its target is Int64")]
    [InlineData("truncated shard", Shard3, "e.weight", "truncated")]
    [InlineData("header longer than the file", Shard1, null, "exceeds the file")]
    [InlineData("huge header length", Shard1, null, "exceeds the 100000000-byte limit")]
    [InlineData("bad json", Shard1, null, "not valid JSON")]
    [InlineData("header not an object", Shard1, null, "not an object")]
    [InlineData("offsets out of range", Shard3, "e.weight", "reach past the data section")]
    [InlineData("overlapping offsets", Shard1, "a.bias", "overlap tensor 'a.weight'")]
    [InlineData("size not shape", Shard1, "a.bias", "spanning 24 bytes, but shape [5] of F32 needs 20")]
    [InlineData("negative offset", Shard1, "a.bias", "not a non-negative 64-bit integer")]
    [InlineData("nan in shape", Shard1, "a.bias", "shape[0] = \"NaN\"")]
    [InlineData("overflowing shape", Shard1, "a.bias", "overflows a 64-bit size")]
    [InlineData("unknown dtype", Shard1, "a.bias", "has dtype 'F8_E4M3'")]
    [InlineData("duplicate name", Shard1, "a.bias", "appears twice")]
    [InlineData("gap between tensors", Shard1, "a.bias", "leave a gap of 4 bytes after byte 96")]
    [InlineData("index names a missing shard", Index, "b.weight", "which does not exist")]
    [InlineData("index names a tensor its shard lacks", Shard1, "e.weight", "the shard does not hold it")]
    [InlineData("shard holds a tensor the index lacks", Shard1, "a.bias", "maps it nowhere")]
    [InlineData("index bad json", Index, null, "not valid JSON")]
    [InlineData("index escapes the folder", Index, "a.bias", "not a shard file name in this folder")]
    public void A_corrupt_checkpoint_is_one_error_naming_file_and_tensor_and_nothing_is_copied(
        string corruption,
        string file,
        string? tensor,
        string problem
    )
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = CheckpointFixtures.Tensors();
        CheckpointFixtures.WriteSharded(folder.Path, tensors);
        var targets = CheckpointFixtures.Targets(tensors, ScalarType.Float32);
        Corrupt(corruption, folder, targets);

        var error = Assert.Throws<InvalidDataException>(() => CheckpointLoader.Load(folder.Path, targets));
        output.WriteLine(error.Message);
        Assert.Contains(folder.File(file), error.Message);
        Assert.Equal(folder.File(file), CheckpointError.FileOf(error));
        Assert.Equal(tensor, CheckpointError.TensorOf(error));
        if (tensor is not null)
            Assert.Contains($"'{tensor}'", error.Message);
        Assert.Contains(problem, error.Message);
        CheckpointFixtures.AssertUnchanged(targets);
    }

    [Fact]
    public void Two_names_that_normalise_to_one_are_an_error_not_a_silent_pick()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        CheckpointWriter.Write(
            folder.Path,
            [new("model.embed_tokens.weight", ones(2)), new("model.language_model.embed_tokens.weight", ones(2))]
        );
        var error = Assert.Throws<InvalidDataException>(() =>
            CheckpointFolder.Open(folder.Path, Qwen25VlTensorTable.Normalize)
        );
        Assert.Contains("both 'model.embed_tokens.weight' after name normalisation", error.Message);
        Assert.Contains(CheckpointFolder.SingleFileName, error.Message);
    }

    [Fact]
    public void A_shard_that_shrinks_after_validation_is_an_error_naming_it()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = CheckpointFixtures.Tensors();
        CheckpointFixtures.WriteSharded(folder.Path, tensors);
        var targets = CheckpointFixtures.Targets(tensors, ScalarType.Float32);
        var opened = CheckpointFolder.Open(folder.Path);
        Truncate(folder.File(Shard1), 8);
        var error = Assert.Throws<InvalidDataException>(() => CheckpointLoader.Load(opened, targets));
        Assert.Contains(folder.File(Shard1), error.Message);
        Assert.Contains("changed during loading", error.Message);
        CheckpointFixtures.AssertUnchanged(targets);
    }

    [Fact]
    public void Bytes_after_the_last_tensor_are_tolerated_as_pybridge_leaves_them()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = CheckpointFixtures.Tensors();
        CheckpointFixtures.WriteSharded(folder.Path, tensors);
        File.AppendAllText(folder.File(Shard3), new string(' ', 16));
        var targets = CheckpointFixtures.Targets(tensors, ScalarType.Float32);
        CheckpointLoader.Load(folder.Path, targets);
        Assert.Equal(tensors[^1].Value.bytes.ToArray(), targets["e.weight"].bytes.ToArray());
    }

    [Fact]
    public void A_folder_without_weights_names_the_folder()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<InvalidDataException>(() => CheckpointFolder.Open(folder.Path));
        Assert.Contains(folder.Path, error.Message);
        Assert.Contains(SafetensorsIndex.FileName, error.Message);
    }

    private static void Corrupt(string corruption, TempFolder folder, Dictionary<string, Tensor> targets)
    {
        string shard1 = folder.File(Shard1),
            shard3 = folder.File(Shard3),
            index = folder.File(Index);
        void EditEntry(string path, string name, Action<JsonObject> edit) =>
            CheckpointFixtures.EditHeader(path, h => edit(h[name]!.AsObject()));
        switch (corruption)
        {
            case "missing tensor":
                targets["z.extra"] = CheckpointFixtures.Filled([2]);
                break;
            case "unexpected tensor":
                targets.Remove("b.weight");
                break;
            case "wrong shape":
                targets["a.weight"] = CheckpointFixtures.Filled([4, 6]);
                break;
            case "integer target":
                targets["e.weight"] = CheckpointFixtures.Filled([7, 8], ScalarType.Int64);
                break;
            case "truncated shard":
                Truncate(shard3, 10);
                break;
            case "header longer than the file":
                SetHeaderLength(shard1, (ulong)new FileInfo(shard1).Length);
                break;
            case "huge header length":
                SetHeaderLength(shard1, ulong.MaxValue);
                break;
            case "bad json":
                CheckpointFixtures.ReplaceHeader(shard1, "{\"a.weight\": {\"dtype\": \"F32\", ");
                break;
            case "header not an object":
                CheckpointFixtures.ReplaceHeader(shard1, "[1, 2, 3]");
                break;
            case "offsets out of range":
                EditEntry(shard3, "e.weight", e => e["data_offsets"] = new JsonArray(1000, 1224));
                break;
            case "overlapping offsets":
                EditEntry(shard1, "a.bias", e => e["data_offsets"] = new JsonArray(90, 114));
                break;
            case "size not shape":
                EditEntry(shard1, "a.bias", e => e["shape"] = new JsonArray(5));
                break;
            case "negative offset":
                EditEntry(shard1, "a.bias", e => e["data_offsets"] = new JsonArray(-24, 0));
                break;
            case "nan in shape":
                EditEntry(shard1, "a.bias", e => e["shape"] = new JsonArray("NaN"));
                break;
            case "overflowing shape":
                EditEntry(shard1, "a.bias", e => e["shape"] = new JsonArray(1L << 62, 8));
                break;
            case "unknown dtype":
                EditEntry(shard1, "a.bias", e => e["dtype"] = "F8_E4M3");
                break;
            case "duplicate name":
                string header = CheckpointFixtures.ReadHeader(shard1).ToJsonString();
                CheckpointFixtures.ReplaceHeader(
                    shard1,
                    header.Insert(1, "\"a.bias\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},")
                );
                break;
            case "gap between tensors":
                EditEntry(shard1, "a.bias", e => e["data_offsets"] = new JsonArray(100, 124));
                File.AppendAllText(shard1, "pad!");
                break;
            case "index names a missing shard":
                File.Delete(folder.File(Shard2));
                break;
            case "index names a tensor its shard lacks":
                EditIndex(index, map => map["e.weight"] = Shard1);
                break;
            case "shard holds a tensor the index lacks":
                EditIndex(index, map => map.Remove("a.bias"));
                break;
            case "index bad json":
                File.WriteAllText(index, "{\"weight_map\": ");
                break;
            case "index escapes the folder":
                EditIndex(index, map => map["a.bias"] = "../" + Shard1);
                break;
            default:
                throw new ArgumentException(corruption);
        }
    }

    private static void EditIndex(string path, Action<JsonObject> edit)
    {
        var index = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(index["weight_map"]!.AsObject());
        File.WriteAllText(path, index.ToJsonString());
    }

    private static void Truncate(string path, int bytes)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.SetLength(stream.Length - bytes);
    }

    private static void SetHeaderLength(string path, ulong length)
    {
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
        File.WriteAllBytes(path, bytes);
    }
}
