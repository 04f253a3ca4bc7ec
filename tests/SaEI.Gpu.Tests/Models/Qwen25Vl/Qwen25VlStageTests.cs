using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tests.Training;
using SaEI.Gpu.Training;
using static SaEI.Gpu.Tests.Training.TrainerFixtures;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// Issue 13: a Qwen2.5-VL placed stage by stage (<see cref="Qwen25VlPolicy.PlaceStages"/>) computes what the unplaced
/// model computes. This machine has no GPU, so every stage stays on "cpu": the placed code path (per-device tables,
/// per-layer caches, callers that follow the logits' device) runs, but no tensor crosses devices; the device check
/// (Benchmarks/DeviceCheck.cs) compares a cpu + cuda placement where a GPU is lent.
/// </summary>
public sealed class Qwen25VlStageTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("saei-qwen-stages-").FullName;

    public Qwen25VlStageTests() => TorchRuntime.Initialize(1);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private Qwen25VlPolicy Policy(long seed = 7)
    {
        string folder = Path.Combine(root, $"qwen-{seed}");
        if (!Directory.Exists(folder))
            TinyQwenFolder.Write(folder, seed);
        return Qwen25VlPolicy.Load(folder, CPU);
    }

    private static void PlaceAll(Qwen25VlPolicy policy) =>
        policy.PlaceStages([.. Enumerable.Repeat(CPU, policy.Stages.Count)]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_placed_model_gives_the_same_logits_and_greedy_tokens(bool tied)
    {
        var config = Qwen25VlTestModels.SmallConfig(
            hidden: 32,
            heads: 2,
            keyValueHeads: 1,
            layers: 3,
            mrope: [2, 3, 3],
            tied
        );
        using var plain = Qwen25VlTestModels.Random(config);
        using var placed = Qwen25VlTestModels.Random(config);
        placed.Place([.. Enumerable.Repeat(CPU, placed.LayerCount + 2)]);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 0, 0, 72, 101, 108, 108, 72, 105, 33, 63, 40, 41 }, [2, 6]);
        var mask = tensor(new long[] { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, [2, 6]);

        var expected = plain.ForwardWithImageEmbeddings(null, [], ids, mask); // [2,6,V]
        var actual = placed.ForwardWithImageEmbeddings(null, [], ids, mask);
        Assert.Equal(placed.OutputDevice.ToString(), actual.device.ToString());
        Assert.True(
            expected.eq(actual).all().item<bool>(),
            $"logits differ by {Qwen25VlTestModels.MaxDifference(expected, actual)}"
        );

        var (plainTokens, plainLogits) = Qwen25VlTestModels.Greedy(plain, null, [], ids, mask, 5, cached: true);
        var (placedTokens, placedLogits) = Qwen25VlTestModels.Greedy(placed, null, [], ids, mask, 5, cached: true);
        Assert.True(plainTokens.eq(placedTokens).all().item<bool>());
        Assert.True(plainLogits.eq(placedLogits).all().item<bool>());
    }

    [Fact]
    public void Stages_report_each_stage_device_after_placement_and_a_wrong_count_is_refused()
    {
        using var policy = Policy();
        PlaceAll(policy);
        var stages = policy.Stages;
        Assert.Equal(["input", "model.layers.0", "model.layers.1", "output"], stages.Select(s => s.Name));
        Assert.All(stages, s => Assert.Equal("cpu", s.Device));
        Assert.Equal(policy.NamedParameters().Sum(p => p.Parameter.numel() * 4), stages.Sum(s => s.ParameterBytes));
        var error = Assert.Throws<ArgumentException>(() => policy.PlaceStages([CPU, CPU]));
        Assert.Contains("one device per stage (4", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_rl_step_on_a_placed_qwen_gives_the_same_loss_and_weights(bool checkpointing)
    {
        var problems = QwenTrainingTests.MixedProblems(3);
        var options = Options(RlMethod.Grpo) with { MaxNewTokens = 4 };
        IReadOnlyDictionary<string, double> Step(Qwen25VlPolicy policy, RlOptions stepOptions)
        {
            using var reference = Policy();
            using var trainer = new RlTrainer(policy, reference, stepOptions, problems, totalSteps: 4, seed: 2);
            return trainer.Step();
        }
        using var plain = Policy();
        using var placed = Policy();
        PlaceAll(placed);

        var expected = Step(plain, options);
        var actual = Step(placed, options with { ActivationCheckpointing = checkpointing });

        Assert.True(expected["actor/grad_norm"] > 0, "no gradient reached the Qwen parameters");
        foreach (var (key, value) in expected.Where(m => !m.Key.StartsWith("timing_s/", StringComparison.Ordinal)))
            Assert.True(value.Equals(actual[key]), $"{key} is {value} unplaced, {actual[key]} placed");
        foreach (var (a, b) in plain.NamedParameters().Zip(placed.NamedParameters()))
            Assert.True(a.Parameter.eq(b.Parameter).all().item<bool>(), $"parameter {a.Name} differs after the step");
    }
}
