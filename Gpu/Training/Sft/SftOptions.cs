using SaEI.Gpu.Evaluation;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Tasks.Synthetic;

namespace SaEI.Gpu.Training.Sft;

/// <summary>
/// The SFT warm start (issue #5): TinyVlm trained with cross-entropy on reasoning-format targets (<see
/// cref="ReasoningTarget"/>) of the synthetic task, then evaluated on its test split. Presets: <see cref="Default"/>
/// (target: at most 5 minutes on 2 cores, base pass@1 in 20-60 %) and <see cref="Quick"/> (target: under a minute, for
/// <c>saei demo --quick</c>), plus <see cref="Headroom"/> (the compare task). All randomness comes from the seeds here.
/// </summary>
public sealed record SftOptions
{
    /// <summary>Preset name, written into logs and the result. Default "default".</summary>
    public string Name { get; init; } = "default";

    /// <summary>
    /// Model sizes. Default <see cref="StandardModel"/>: 32 px images in 8 px patches (16 image tokens), a 3-layer
    /// 128-wide decoder (about 0.7 M parameters), sized so that the warm start fits 5 minutes on 2 cores.
    /// </summary>
    public TinyVlmConfig Model { get; init; } = StandardModel;

    /// <summary>Seed of the initial weights. Default 1.</summary>
    public long ModelSeed { get; init; } = 1;

    /// <summary>
    /// The synthetic task (families, difficulty, image size, seed); the trainer draws from its train split and the
    /// evaluation from its test split. Default: counting and length at difficulty 1, the two families a model of
    /// this size partly learns in minutes on CPU (sum and geometry need digit reading and stay near 0 %).
    /// </summary>
    public SyntheticTaskOptions Task { get; init; } =
        new()
        {
            Families = [SyntheticFamily.Counting, SyntheticFamily.Length],
            Difficulty = 1,
            ImageSize = 32,
        };

    /// <summary>Distinct training problems generated (cycled through in seeded random order). Default 2048.</summary>
    public int TrainProblems { get; init; } = 2048;

    /// <summary>Optimiser steps. Default 120 (about 3 CPU-seconds each for the standard model).</summary>
    public int Steps { get; init; } = 120;

    /// <summary>Problems per step. Default 16.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Peak AdamW learning rate after warm-up, cosine-decayed to 10 % of it. Default 2e-3 (tuned on
    /// CPU).</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Linear warm-up steps. Default 20.</summary>
    public int WarmupSteps { get; init; } = 20;

    /// <summary>AdamW decoupled weight decay. Default 0.01 (torch.optim.AdamW).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Global gradient-norm clip; 0 = none. Default 1.0 (EasyR1 max_grad_norm).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Seed of the order in which training problems are visited. Default 2.</summary>
    public long ShuffleSeed { get; init; } = 2;

    /// <summary>Test-split problems for the base pass@1. Default 128.</summary>
    public int TestProblems { get; init; } = 128;

    /// <summary>Sampling for the base pass@1. Default: EasyR1 validation (T = 0.6, top-p 0.95), k = 4.</summary>
    public EvaluationOptions Evaluation { get; init; } = new();

    /// <summary>The warm-start model: TinyVlm at 32 px (the synthetic task's smallest images), 16 image
    /// tokens.</summary>
    public static TinyVlmConfig StandardModel { get; } =
        new()
        {
            ImageSize = 32,
            PatchSize = 8,
            VisionHiddenSize = 64,
            VisionLayers = 2,
            VisionHeads = 4,
            VisionIntermediateSize = 128,
            HiddenSize = 128,
            Layers = 3,
            Heads = 4,
            KeyValueHeads = 2,
            IntermediateSize = 384,
        };

    /// <summary>
    /// The full warm start (issue #5 target: ≤ 5 min on 2 cores, base pass@1 in [0.2, 0.6]). Measured numbers are in
    /// the README ("SFT warm start and evaluation").
    /// </summary>
    public static SftOptions Default { get; } = new();

    /// <summary>
    /// The quick demo (<c>saei demo --quick</c>): a 2-layer 96-wide decoder (about 0.35 M parameters), 60 steps, 48
    /// test problems (target: under a minute on 2 cores). Measured numbers are in the README ("SFT warm start and
    /// evaluation").
    /// </summary>
    public static SftOptions Quick { get; } =
        new()
        {
            Name = "quick",
            Model = StandardModel with { VisionLayers = 1, HiddenSize = 96, Layers = 2, IntermediateSize = 256 },
            TrainProblems = 512,
            Steps = 60,
            LearningRate = 3e-3,
            TestProblems = 48,
        };

    /// <summary>
    /// The task-headroom base model (issue 14): the standard model and schedule on the compare family at difficulty 1
    /// (count two colours, then add or subtract; targets of about 25 tokens), so the base starts well below what RL
    /// can reach. Measured numbers are in the README ("CPU task headroom").
    /// </summary>
    public static SftOptions Headroom { get; } =
        new()
        {
            Name = "headroom",
            Task = new SyntheticTaskOptions
            {
                Families = [SyntheticFamily.Compare],
                Difficulty = 1,
                ImageSize = 32,
            },
        };

    /// <summary>The names <see cref="Preset"/> knows.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["default", "quick", "headroom"];

    /// <summary>The preset called <paramref name="name"/> ("default", "quick" or "headroom").</summary>
    public static SftOptions Preset(string name) =>
        name.ToLowerInvariant() switch
        {
            "default" => Default,
            "quick" => Quick,
            "headroom" => Headroom,
            _ => throw new ArgumentException(
                $"Unknown SFT preset '{name}'; use 'default', 'quick' or 'headroom'.",
                nameof(name)
            ),
        };

    /// <summary>Throws naming the option, its range and what to set instead.</summary>
    public void Validate()
    {
        Model.Validate();
        Task.Validate();
        Evaluation.Validate();
        if (Task.ImageSize != Model.ImageSize)
            throw new ArgumentException(
                $"{nameof(Task)}.{nameof(SyntheticTaskOptions.ImageSize)} is {Task.ImageSize} but "
                    + $"{nameof(Model)}.{nameof(TinyVlmConfig.ImageSize)} is {Model.ImageSize}; set them equal.",
                nameof(Task)
            );
        Require(TrainProblems >= 1, nameof(TrainProblems), TrainProblems, "set it to 1 or more");
        Require(Steps >= 1, nameof(Steps), Steps, "set it to 1 or more");
        Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "set it to 1 or more");
        Require(
            LearningRate > 0 && double.IsFinite(LearningRate),
            nameof(LearningRate),
            LearningRate,
            "set a finite value > 0, e.g. 2e-3"
        );
        Require(WarmupSteps >= 0, nameof(WarmupSteps), WarmupSteps, "set it to 0 or more");
        Require(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "set it to 0 or more");
        Require(MaxGradNorm >= 0, nameof(MaxGradNorm), MaxGradNorm, "set it to 0 (no clipping) or more");
        Require(TestProblems >= 0, nameof(TestProblems), TestProblems, "set it to 0 (no evaluation) or more");
    }

    /// <summary>The learning rate at optimiser step <paramref name="step"/> (0-based): linear warm-up, cosine to 10
    /// %.</summary>
    public double LearningRateAt(int step)
    {
        if (step < WarmupSteps)
            return LearningRate * (step + 1) / WarmupSteps;
        double progress = Steps <= WarmupSteps ? 1 : (double)(step - WarmupSteps) / (Steps - WarmupSteps);
        return LearningRate * (0.1 + (0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress))));
    }

    private static void Require(bool condition, string name, object value, string fix)
    {
        if (!condition)
            throw new ArgumentException($"SFT option {name} is {value}; {fix}.", name);
    }
}
