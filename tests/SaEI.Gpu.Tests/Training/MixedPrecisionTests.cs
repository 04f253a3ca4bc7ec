using System.Globalization;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Training;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static SaEI.Gpu.Tests.Training.TrainerFixtures;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

/// <summary>
/// Issue 13, precision: a bf16 run (dtype: bf16) trains a tiny Qwen2.5-VL in bfloat16 with float32 AdamW moments and
/// master weights. A bf16 step tracks the float32 step within a measured tolerance, a bf16 run resumes bit for bit,
/// and an update below bf16's resolution still accumulates in the master copy.
/// </summary>
public sealed class MixedPrecisionTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("saei-mixed-precision-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private Qwen25VlPolicy Policy(ComputeDtype dtype, long seed = 7)
    {
        TorchRuntime.Initialize(1);
        string folder = Path.Combine(root, $"qwen-{seed}");
        if (!Directory.Exists(folder))
            TinyQwenFolder.Write(folder, seed);
        return Qwen25VlPolicy.Load(folder, CPU, dtype.ToScalarType());
    }

    private static IReadOnlyList<VisualProblem> Problems(int count)
    {
        var random = new Random(5);
        return
        [
            .. Enumerable
                .Range(0, count)
                .Select(i =>
                {
                    var rgb = new byte[56 * 56 * 3];
                    random.NextBytes(rgb);
                    return new VisualProblem(
                        $"p{i}",
                        $"What is {i} + 2?",
                        (i + 2).ToString(CultureInfo.InvariantCulture),
                        null,
                        new RgbImage(56, 56, rgb),
                        "test",
                        "sum"
                    );
                }),
        ];
    }

    private static RlOptions QwenOptions(RlMethod method, ComputeDtype dtype) =>
        Options(method) with
        {
            MaxNewTokens = 4,
            Dtype = dtype,
        };

    [Fact]
    public void An_update_below_bf16_resolution_accumulates_in_the_float32_master()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        // bf16 near 1 (just below): spacing 2⁻⁸ ≈ 0.0039, so a step of lr = 1e-3 rounds back to 1 every time.
        var weight = new Parameter(ones(4, dtype: ScalarType.BFloat16));
        using var optimizer = new AdamWOptimizer([("w", weight)], learningRate: 1e-3, weightDecay: 0);

        // Loss Σw: gradient 1, so AdamW moves each weight by −lr per step (m̂/√v̂ = 1).
        weight.to_type(ScalarType.Float32).sum().backward();
        optimizer.Step();
        var (state, _) = optimizer.ExportState();
        Assert.Equal(1f, weight.to_type(ScalarType.Float32)[0].item<float>()); // rounded back: bf16 alone would lose it
        Assert.Equal(0.999f, state["master.w"][0].item<float>(), 1e-6f); // the master kept it
        Assert.Equal(ScalarType.Float32, state["exp_avg.w"].dtype);

        for (int step = 1; step < 10; step++)
            optimizer.Step(); // same gradient 9 more times
        (state, _) = optimizer.ExportState();
        Assert.Equal(0.990f, state["master.w"][0].item<float>(), 1e-5f);
        // The parameter is the master rounded to bf16: 0.99 lies between 0.98828125 and 0.9921875, nearer the first.
        Assert.Equal(0.98828125f, weight.to_type(ScalarType.Float32)[0].item<float>());
    }

    [Fact]
    public void A_bf16_optimizer_state_without_masters_is_refused_naming_the_tensor_and_the_fix()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        using var float32 = new AdamWOptimizer([("layer.weight", new Parameter(ones(3)))], learningRate: 1e-3);
        using var bf16 = new AdamWOptimizer(
            [("layer.weight", new Parameter(ones(3, dtype: ScalarType.BFloat16)))],
            learningRate: 1e-3
        );
        var (tensors, step) = float32.ExportState();
        var error = Assert.Throws<InvalidDataException>(() => bf16.ImportState(tensors, step));
        Assert.Contains("'master.layer.weight'", error.Message, StringComparison.Ordinal);
        Assert.Contains("resume it with dtype f32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_in_another_dtype_than_the_option_is_refused()
    {
        using var policy = Policy(ComputeDtype.F32);
        using var reference = Policy(ComputeDtype.F32);
        var error = Assert.Throws<ArgumentException>(() =>
            new RlTrainer(policy, reference, QwenOptions(RlMethod.Grpo, ComputeDtype.Bf16), Problems(2), 2, seed: 1)
        );
        Assert.Contains("dtype is bf16 but policy parameter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bf16_step_tracks_the_float32_step_on_a_tiny_qwen()
    {
        // A float32 step supplies the rollout (prompts, images, responses); random advantages replace its rewards,
        // which are all 0 for a random model (zero advantages would leave only noise in the gradient).
        var problems = Problems(2);
        using var samplerPolicy = Policy(ComputeDtype.F32);
        using var sampler = new RlTrainer(
            samplerPolicy,
            null,
            QwenOptions(RlMethod.Grpo, ComputeDtype.F32) with
            {
                KlCoefficient = 0,
            },
            problems,
            2,
            seed: 3
        )
        {
            TraceTensors = true,
        };
        var samplerMetrics = sampler.Step();
        var group = sampler.LastTrace!.Group;
        using var advantages = randn([group.Rows], generator: new Generator(11)); // [N]

        var results =
            new Dictionary<ComputeDtype, (UpdateMetrics Update, double Entropy, Dictionary<string, Tensor> Weights)>();
        foreach (var dtype in new[] { ComputeDtype.F32, ComputeDtype.Bf16 })
        {
            using var scope = NewDisposeScope();
            using var policy = Policy(dtype);
            var options = QwenOptions(RlMethod.Grpo, dtype);
            using var optimizer = new AdamWOptimizer(
                policy.NamedParameters(),
                options.LearningRate,
                options.Beta1,
                options.Beta2,
                options.WeightDecay
            );
            TokenScores old;
            using (no_grad())
                old = TeacherForcing.Score(
                    policy,
                    group.CleanImages,
                    group.PromptIds,
                    group.PromptMask,
                    group.ResponseIds,
                    group.ResponseMask,
                    options.Temperature,
                    computeEntropy: true
                ); // [N,Tr], float32 in both dtypes
            Assert.Equal(ScalarType.Float32, old.LogProbs.dtype);
            double entropy = old.Entropy!.masked_select(group.ResponseMask.to_type(ScalarType.Bool))
                .mean()
                .item<float>();
            using var clipCov = new Generator(1);
            var update = new PolicyUpdate(policy, optimizer, options, clipCov).Run(
                group,
                old.LogProbs,
                old.LogProbs,
                advantages,
                null
            );
            Assert.Equal(dtype == ComputeDtype.Bf16 ? policy.NamedParameters().Count : 0, optimizer.MasterCount);
            results[dtype] = (
                update,
                entropy,
                policy
                    .NamedParameters()
                    .ToDictionary(
                        p => p.Name,
                        p => p.Parameter.detach().to_type(ScalarType.Float32).clone().DetachFromDisposeScope()
                    )
            );
        }
        var (f32, bf16) = (results[ComputeDtype.F32], results[ComputeDtype.Bf16]);
        output.WriteLine(
            $"pg_loss f32 {f32.Update.PgLoss:R} bf16 {bf16.Update.PgLoss:R}; kl_loss {f32.Update.KlLoss:R} / "
                + $"{bf16.Update.KlLoss:R}; "
                + $"grad_norm {f32.Update.GradNorm:R} / {bf16.Update.GradNorm:R}; entropy {f32.Entropy:R} / "
                + $"{bf16.Entropy:R}"
        );
        double maxWeightDelta = f32.Weights.Max(w => (w.Value - bf16.Weights[w.Key]).abs().max().item<float>());
        output.WriteLine(
            $"max |Δw| after the update {maxWeightDelta:R}; sampler entropy/clean "
                + $"{samplerMetrics[RlStepMetrics.EntropyClean]:R}"
        );
        foreach (var w in f32.Weights.Values.Concat(bf16.Weights.Values))
            w.Dispose();

        // Tolerances: about 3-5x the differences measured (1 thread, CPU): pg_loss 6.3e-4 (0.08130 vs 0.08068),
        // kl_loss 9.4e-5, grad_norm 0.14% (4.0586 vs 4.0530), token entropy 7.6e-5 (of 5.43), weights 3.7e-3.
        Assert.InRange(Math.Abs(f32.Update.PgLoss - bf16.Update.PgLoss), 0, 2e-3);
        Assert.InRange(Math.Abs(f32.Update.KlLoss - bf16.Update.KlLoss), 0, 5e-4);
        Assert.InRange(Math.Abs(f32.Update.GradNorm - bf16.Update.GradNorm) / f32.Update.GradNorm, 0, 0.01);
        Assert.InRange(Math.Abs(f32.Entropy - bf16.Entropy), 0, 1e-3);
        Assert.InRange(maxWeightDelta, 0, 1e-2);
        Assert.NotEqual(f32.Update.PgLoss, bf16.Update.PgLoss); // bf16 really computed in bf16
    }

    [Fact]
    public void A_bf16_saei_run_resumes_from_a_checkpoint_bit_for_bit()
    {
        const int Steps = 4;
        var problems = Problems(3);
        var options = QwenOptions(RlMethod.Saei, ComputeDtype.Bf16);

        using var straightPolicy = Policy(ComputeDtype.Bf16);
        // A reference other than the initial policy: a random model earns no reward (zero advantages), so the KL term
        // is what gives the update a gradient here.
        using var straightReference = Policy(ComputeDtype.Bf16, seed: 8);
        using var straight = new RlTrainer(straightPolicy, straightReference, options, problems, Steps, seed: 13);
        var straightMetrics = Enumerable.Range(0, Steps).Select(_ => straight.Step()).ToList();

        IReadOnlyDictionary<string, byte[]> files;
        using (var firstPolicy = Policy(ComputeDtype.Bf16))
        using (var firstReference = Policy(ComputeDtype.Bf16, seed: 8))
        using (var first = new RlTrainer(firstPolicy, firstReference, options, problems, Steps, seed: 13))
        {
            for (int i = 0; i < Steps / 2; i++)
                first.Step();
            files = TrainingCheckpoint.Write(first);
        }
        var optimizerFile = SafetensorsBytes.Read(
            files[TrainingCheckpoint.OptimizerFile],
            TrainingCheckpoint.OptimizerFile
        );
        Assert.Contains(
            optimizerFile,
            t => t.Key.StartsWith("master.", StringComparison.Ordinal) && t.Value.dtype == ScalarType.Float32
        );
        foreach (var tensor in optimizerFile.Values)
            tensor.Dispose();

        using var freshPolicy = Policy(ComputeDtype.Bf16, seed: 99); // other weights: all must come from the files
        using var freshReference = Policy(ComputeDtype.Bf16, seed: 8);
        using var resumed = RlTrainer.Restore(files, freshPolicy, freshReference, problems);
        Assert.Equal(ComputeDtype.Bf16, resumed.Options.Dtype);
        var resumedMetrics = Enumerable.Range(0, Steps / 2).Select(_ => resumed.Step()).ToList();

        var expected = straightPolicy.NamedParameters();
        var actual = freshPolicy.NamedParameters();
        Assert.All(actual, p => Assert.Equal(ScalarType.BFloat16, p.Parameter.dtype));
        for (int i = 0; i < expected.Count; i++)
            Assert.True(
                expected[i].Parameter.eq(actual[i].Parameter).all().item<bool>(),
                $"parameter {expected[i].Name} differs after resume"
            );
        for (int step = 0; step < Steps / 2; step++)
            foreach (
                var (key, value) in straightMetrics[Steps / 2 + step]
                    .Where(m => !m.Key.StartsWith("timing_s/", StringComparison.Ordinal))
            )
                Assert.True(
                    value.Equals(resumedMetrics[step][key]),
                    $"step {Steps / 2 + step + 1}: {key} is {value} straight, {resumedMetrics[step][key]} resumed"
                );
        Assert.Equal(
            TrainingCheckpoint.Write(straight)[TrainingCheckpoint.OptimizerFile],
            TrainingCheckpoint.Write(resumed)[TrainingCheckpoint.OptimizerFile]
        );

        // The run trained: some bf16 weights moved away from the base model's.
        using var basePolicy = Policy(ComputeDtype.Bf16);
        Assert.Contains(
            basePolicy.NamedParameters().Zip(expected),
            pair => !pair.First.Parameter.eq(pair.Second.Parameter).all().item<bool>()
        );
    }
}
