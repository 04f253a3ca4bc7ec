using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tests.Training;
using SaEI.Grains.Training;
using static TorchSharp.torch;

namespace SaEI.Grains.Tests.Training;

public sealed class ModelPlacementTests
{
    private static IPolicyModel Model()
    {
        TorchRuntime.Initialize(1);
        return PolicyModelFactory.CreateTiny(
            new TinyVlmConfig
            {
                ImageSize = 16,
                PatchSize = 8,
                HiddenSize = 32,
                Heads = 4,
                KeyValueHeads = 2,
                IntermediateSize = 64,
                Layers = 4,
            },
            seed: 1,
            CPU
        );
    }

    [Fact]
    public void One_cpu_device_holds_every_stage_in_one_shard()
    {
        using var model = Model();
        var shard = Assert.Single(ModelPlacement.Apply(model, ModelPlacement.DevicesFor([], "cpu")));
        Assert.Equal((0, model.Stages.Count), (shard.Start, shard.End));
        Assert.Equal(model.Stages.Sum(s => s.ParameterBytes), shard.Bytes);
        Assert.All(model.Stages, s => Assert.Equal("cpu", s.Device));
    }

    [Fact]
    public void Two_devices_split_the_stages_contiguously_with_balanced_bytes()
    {
        using var model = Model();
        var stages = model.Stages;
        var plan = ModelPlacement.Apply(model, ["cpu", "cpu"]);
        Assert.Equal(2, plan.Count);
        Assert.Equal(
            (0, plan[0].End, plan[0].End, stages.Count),
            (plan[0].Start, plan[1].Start, plan[1].Start, plan[1].End)
        );
        // The plan minimises the larger shard: no other cut point does better.
        long best = Enumerable
            .Range(1, stages.Count - 1)
            .Min(cut =>
                Math.Max(stages.Take(cut).Sum(s => s.ParameterBytes), stages.Skip(cut).Sum(s => s.ParameterBytes))
            );
        Assert.Equal(best, plan.Max(s => s.Bytes));
        Assert.StartsWith("cpu input..", ModelPlacement.Describe(plan, stages), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_devices_split_a_qwen_into_two_shards_and_place_every_stage()
    {
        // Both devices are "cpu" here (no GPU): the plan and PlaceStages run, no tensor crosses devices.
        string root = Directory.CreateTempSubdirectory("saei-qwen-placement-").FullName;
        try
        {
            TorchRuntime.Initialize(1);
            using var model = Qwen25VlPolicy.Load(TinyQwenFolder.Write(Path.Combine(root, "qwen")), CPU);
            var plan = ModelPlacement.Apply(model, ["cpu", "cpu"]);
            model.PlaceStages([.. Enumerable.Repeat(CPU, model.Stages.Count)]);
            Assert.Equal(2, plan.Count);
            Assert.All(plan, shard => Assert.True(shard.End > shard.Start, "a shard holds no stage"));
            Assert.Equal(model.Stages.Count, plan[^1].End);
            Assert.All(model.Stages, s => Assert.Equal("cpu", s.Device));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("cuda:15", "is not available here")]
    [InlineData("gpu", "is not a device name")]
    public void An_unusable_device_is_an_error_that_names_it(string device, string expected)
    {
        using var model = Model();
        var error = Assert.Throws<ArgumentException>(() => ModelPlacement.Apply(model, ["cpu", device]));
        Assert.Contains($"'{device}' {expected}", error.Message, StringComparison.Ordinal);
        Assert.All(model.Stages, s => Assert.Equal("cpu", s.Device)); // nothing moved
    }
}
