using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;
using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Checkpoints;

public sealed class CheckpointRoundTripTests
{
    public CheckpointRoundTripTests() => TorchRuntime.Initialize(1);

    [Theory]
    [InlineData(ScalarType.Float32, ScalarType.Float32)]
    [InlineData(ScalarType.Float32, ScalarType.BFloat16)]
    [InlineData(ScalarType.BFloat16, ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16, ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16, ScalarType.Float32)]
    [InlineData(ScalarType.Float16, ScalarType.BFloat16)]
    public void Sharded_write_then_load_gives_the_stored_values_in_the_target_dtype(
        ScalarType stored,
        ScalarType target
    )
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = CheckpointFixtures.Tensors();
        var files = CheckpointFixtures.WriteSharded(folder.Path, tensors, stored);
        Assert.True(files.Count >= 3, $"expected several shards plus an index, got {string.Join(", ", files)}");
        Assert.EndsWith(SafetensorsIndex.FileName, files[^1]);

        var targets = CheckpointFixtures.Targets(tensors, target);
        CheckpointLoader.Load(folder.Path, targets);
        foreach (var (name, source) in tensors)
        {
            // What the file holds (source rounded to the stored dtype), then converted to the target dtype.
            var expected = source.to_type(stored).to_type(target);
            Assert.Equal(expected.bytes.ToArray(), targets[name].bytes.ToArray());
            if (stored == target && stored == ScalarType.Float32)
                Assert.Equal(source.bytes.ToArray(), targets[name].bytes.ToArray());
        }
    }

    [Fact]
    public void Matching_dtype_round_trip_is_bit_exact_including_nan_and_signed_zero()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var special = tensor(new[] { float.NaN, -0f, float.PositiveInfinity, float.Epsilon, 1.5f, -3.25e-30f });
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16 })
        {
            string dir = folder.File(dtype.ToString());
            var source = special.to_type(dtype);
            CheckpointWriter.Write(dir, [new("x", source)], new CheckpointWriteOptions { DType = dtype });
            var target = zeros(6, dtype);
            CheckpointLoader.Load(dir, new Dictionary<string, Tensor> { ["x"] = target });
            Assert.Equal(source.bytes.ToArray(), target.bytes.ToArray());
        }
    }

    [Fact]
    public void Everything_in_one_shard_is_a_single_model_safetensors_without_index()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = CheckpointFixtures.Tensors();
        var files = CheckpointFixtures.WriteSharded(folder.Path, tensors, ScalarType.Float32, maxShardBytes: 1 << 20);
        Assert.Equal([folder.File(CheckpointFolder.SingleFileName)], files);
        Assert.Equal([CheckpointFolder.SingleFileName], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        var header = CheckpointFixtures.ReadHeader(files[0]);
        Assert.Equal("pt", header["__metadata__"]!["format"]!.GetValue<string>());
        var opened = CheckpointFolder.Open(folder.Path);
        Assert.Equal(468, opened.TotalBytes);
        Assert.Equal(0, opened.Shards[0].DataStart % 8); // header padded to 8 bytes
    }

    [Fact]
    public void Shards_follow_the_official_names_and_the_index_maps_every_tensor()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = CheckpointFixtures.Tensors();
        CheckpointFixtures.WriteSharded(folder.Path, tensors);
        var names = Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                "model-00001-of-00003.safetensors",
                "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors",
                SafetensorsIndex.FileName,
            ],
            names
        );
        var index = JsonNode.Parse(File.ReadAllText(folder.File(SafetensorsIndex.FileName)))!;
        Assert.Equal(468, index["metadata"]!["total_size"]!.GetValue<long>());
        var map = index["weight_map"]!.AsObject();
        Assert.Equal(tensors.Select(t => t.Key).Order(StringComparer.Ordinal), map.Select(p => p.Key));
        // 224 bytes > 200: a shard of its own
        Assert.Equal("model-00003-of-00003.safetensors", map["e.weight"]!.GetValue<string>());
        Assert.Empty(Directory.GetFiles(folder.Path, "*.partial"));
    }

    [Fact]
    public void Writing_into_a_folder_that_holds_a_checkpoint_is_refused()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = CheckpointFixtures.Tensors();
        CheckpointFixtures.WriteSharded(folder.Path, tensors);
        var error = Assert.Throws<IOException>(() => CheckpointFixtures.WriteSharded(folder.Path, tensors));
        Assert.Contains(folder.Path, error.Message);
    }

    [Fact]
    public void A_failing_producer_leaves_no_file_under_a_final_name()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        CheckpointTensorSpec[] specs = [new("a", [4]), new("b", [4])];
        Assert.Throws<InvalidOperationException>(() =>
            CheckpointWriter.Write(
                folder.Path,
                specs,
                spec => spec.Name == "a" ? ones(4) : throw new InvalidOperationException("producer failed")
            )
        );
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Both_qwen_naming_schemes_load_into_the_published_names()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var published = new List<KeyValuePair<string, Tensor>>
        {
            new("visual.blocks.0.attn.qkv.weight", randn(6, 2)),
            new("model.layers.0.self_attn.q_proj.weight", randn(2, 2)),
            new("model.embed_tokens.weight", randn(5, 2)),
            new("lm_head.weight", randn(5, 2)),
        };
        var renamed = published
            .Select(p => new KeyValuePair<string, Tensor>(
                p.Key.StartsWith("visual.", StringComparison.Ordinal) ? "model." + p.Key
                    : p.Key.StartsWith("model.", StringComparison.Ordinal) ? "model.language_model." + p.Key[6..]
                    : p.Key,
                p.Value
            ))
            .ToList();
        Assert.Contains(renamed, p => p.Key == "model.visual.blocks.0.attn.qkv.weight");
        Assert.Contains(renamed, p => p.Key == "model.language_model.embed_tokens.weight");
        foreach (var (scheme, tensors) in new[] { ("published", published), ("renamed", renamed) })
        {
            string dir = folder.File(scheme);
            CheckpointFixtures.WriteSharded(dir, tensors, ScalarType.Float32, maxShardBytes: 64);
            var targets = CheckpointFixtures.Targets(published, ScalarType.Float32);
            CheckpointLoader.Load(dir, targets, Qwen25VlTensorTable.Normalize);
            foreach (var (name, source) in published)
                Assert.True(source.eq(targets[name]).all().item<bool>(), $"{scheme}: '{name}' differs.");
        }
    }

    [Fact]
    public void Targets_on_other_dtypes_non_contiguous_or_requiring_grad_are_filled_through_the_staging_copy()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var source = randn(3, 4);
        CheckpointWriter.Write(
            folder.Path,
            [new("w", source)],
            new CheckpointWriteOptions { DType = ScalarType.Float32 }
        );
        var transposed = zeros(4, 3).t(); // [3,4] view, not contiguous
        CheckpointLoader.Load(folder.Path, new Dictionary<string, Tensor> { ["w"] = transposed });
        Assert.True(source.eq(transposed).all().item<bool>());
        var parameter = new TorchSharp.Modules.Parameter(zeros(3, 4, dtype: ScalarType.Float64));
        CheckpointLoader.Load(folder.Path, new Dictionary<string, Tensor> { ["w"] = parameter });
        Assert.True(source.to_type(ScalarType.Float64).eq(parameter).all().item<bool>());
        Assert.True(parameter.requires_grad);
    }

    [Fact]
    public void Block_reads_reassemble_a_tensor_larger_than_one_block()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var source = arange(0, 1001, dtype: ScalarType.Float32);
        CheckpointWriter.Write(
            folder.Path,
            [new("x", source)],
            new CheckpointWriteOptions { DType = ScalarType.Float32 }
        );
        var opened = CheckpointFolder.Open(folder.Path);
        var entry = opened.Tensors["x"];
        var target = zeros(1001);
        using (SafeFileHandle file = File.OpenHandle(entry.Shard.FilePath))
            // 3 floats a block, 334 blocks
            TensorFileIO.Read(target, file, entry.FileOffset, entry.Shard.FilePath, "x", blockBytes: 12);
        Assert.True(source.eq(target).all().item<bool>());
    }
}
