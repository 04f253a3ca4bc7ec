using SaEI.Gpu.Models;
using SaEI.Gpu.Objectives;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tasks.Rewards;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// One RL step of any <see cref="RlMethod"/>, end to end (docs/algorithm.md §1, §3, §5), reading top to bottom:
/// <code>
///   sample n on the clean image I → perturb (EgAS or diffusion noise) → sample m on I' → rewards →
///   advantages over the mixed group [n clean ‖ m perturbed] per prompt → logπ_old (no_grad; perturbed rows on I'
///   iff RlMethodTraits.OldLogProbsOnSamplingImage) → logπ_ref (frozen initial policy; clean image unless
///   reference_on_sampling_image; skipped when kl_coefficient = 0) → mini-batch updates (logπ_θ on the clean image,
///   GrpoLoss, clip, AdamW, skip on a non-finite norm) → metrics
/// </code>
/// Decisions:
/// 1. Every random draw comes from <see cref="RlGenerators"/> and the data order from <see cref="PromptCursor"/>,
///    both derived from the run seed; with the weights and the AdamW state they are the whole training state
///    (<see cref="TrainingCheckpoint"/>), so a restored trainer continues bit for bit (CPU, fixed thread count).
/// 2. Old log-probs are recomputed by teacher forcing (not taken from the sampler), as EasyR1 does.
/// 3. entropy/perturbed is the entropy of the perturbed responses on the image they were sampled on; when the old
///    pass used the clean image (NoisyRollout) one extra no-grad pass over those rows computes it.
/// 4. The reference model is the caller's frozen copy of the initial policy (on resume: the same base model).
/// 5. The caller loads policy and reference in the run's <c>dtype</c>; the trainer checks it (a bf16 run needs float32
///    AdamW masters, <see cref="AdamWOptimizer"/>, and a mismatch would silently train in another precision).
/// </summary>
public sealed partial class RlTrainer : IDisposable
{
    private readonly IPolicyModel policy;
    private readonly IPolicyModel? reference;
    private readonly IReadOnlyList<VisualProblem> problems;
    private readonly AdamWOptimizer optimizer;
    private readonly RlGenerators generators;
    private readonly TimeProvider time;
    private PromptCursor cursor;
    private ImageBatch? lastCleanImages,
        lastPerturbedImages;
    private int[] lastProblemIndices = [];

    public RlTrainer(
        IPolicyModel policy,
        IPolicyModel? reference,
        RlOptions options,
        IReadOnlyList<VisualProblem> problems,
        int totalSteps,
        ulong seed,
        TimeProvider? timeProvider = null
    )
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(problems);
        options.ThrowIfInvalid();
        if (options.KlCoefficient > 0 && reference is null)
            throw new ArgumentException(
                $"kl_coefficient is {options.KlCoefficient} but no reference model was given; pass a frozen copy of "
                    + $"the initial policy, or set kl_coefficient 0.",
                nameof(reference)
            );
        if (problems.Count == 0)
            throw new ArgumentException("the training set is empty; pass at least one problem.", nameof(problems));
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        RequireDtype(policy, options.Dtype, nameof(policy));
        if (options.KlCoefficient > 0)
            RequireDtype(reference!, options.Dtype, nameof(reference));
        this.policy = policy;
        this.reference = options.KlCoefficient > 0 ? reference : null;
        this.problems = problems;
        Options = options;
        TotalSteps = totalSteps;
        time = timeProvider ?? TimeProvider.System;
        generators = new RlGenerators(seed);
        cursor = new PromptCursor(problems.Count, generators.DataSeed);
        optimizer = new AdamWOptimizer(
            policy.NamedParameters(),
            options.LearningRate,
            options.Beta1,
            options.Beta2,
            options.WeightDecay
        );
        policy.SetTraining(false);
        policy.ActivationCheckpointing = options.ActivationCheckpointing;
        if (this.reference is not null)
            Freeze(this.reference);
    }

    public RlOptions Options { get; }

    /// <summary>Refuses a model whose parameters are not all in <paramref name="dtype"/> (decision 5).</summary>
    private static void RequireDtype(IPolicyModel model, ComputeDtype dtype, string parameterName)
    {
        var expected = dtype.ToScalarType();
        foreach (var (name, parameter) in model.NamedParameters())
            if (parameter.dtype != expected)
                throw new ArgumentException(
                    $"dtype is {OptionKeys.ToKey(dtype.ToString())} but {parameterName} parameter '{name}' is "
                        + $"{parameter.dtype}; load the model with {expected} or set dtype to match it.",
                    parameterName
                );
    }

    /// <summary>T, the run's total RL steps (NoisyRollout annealing).</summary>
    public int TotalSteps { get; }

    /// <summary>RL steps completed; the next <see cref="Step"/> is step number <see cref="StepIndex"/>.</summary>
    public int StepIndex { get; private set; }

    /// <summary>The policy being trained.</summary>
    public IPolicyModel Policy => policy;

    /// <summary>Keep the last step's tensors in <see cref="LastTrace"/> (tests, debugging). Default off.</summary>
    public bool TraceTensors { get; set; }

    /// <summary>The last step's tensors when <see cref="TraceTensors"/> was on.</summary>
    public RlStepTrace? LastTrace { get; private set; }

    /// <summary>Every response of the last step with its reward.</summary>
    public IReadOnlyList<RlSample> LastSamples { get; private set; } = [];

    /// <summary>Runs one RL step and returns its metrics (<see cref="RlStepMetrics"/> names, fixed order).</summary>
    public IReadOnlyDictionary<string, double> Step()
    {
        long stepStart = time.GetTimestamp();
        var timings = new StepTimings();
        LastTrace?.Dispose();
        LastTrace = null;
        using var scope = NewDisposeScope();
        var indices = cursor.Next(Options.PromptsPerStep);
        var batchProblems = indices.Select(i => problems[i]).ToArray();
        var cleanImages = ModelInputs.ToTensors(policy, [.. batchProblems.Select(p => p.Image)]); // B × [3,h,w]
        var prompts = PromptBatch.Create(policy, cleanImages, [.. batchProblems.Select(p => p.Problem)]);

        // 1. Sample n responses per prompt on the clean image.
        var clean = Timed(
            StepPhase.Rollout,
            () => Generation.Generate(policy, prompts, Sampling(Options.CleanResponses), generators.Sampling),
            t => timings.Generation += t
        );

        // 2–3. Perturb the image from the clean responses, sample m more on it.
        PerturbedImages? perturbed = null;
        RolloutBatch? perturbedRollout = null;
        if (Options.Perturbation != Perturbation.None)
        {
            perturbed = Timed(
                StepPhase.Attack,
                () =>
                    RolloutPerturbation.Perturb(
                        policy,
                        prompts.Images,
                        clean,
                        Options,
                        StepIndex,
                        TotalSteps,
                        generators.Noise
                    ),
                t => timings.Attack += t
            );
            var perturbedPrompts = new PromptBatch(perturbed.Images, prompts.InputIds, prompts.AttentionMask);
            perturbedRollout = Timed(
                StepPhase.PerturbedRollout,
                () =>
                    Generation.Generate(
                        policy,
                        perturbedPrompts,
                        Sampling(Options.PerturbedResponses),
                        generators.Sampling
                    ),
                t => timings.Generation += t
            );
        }
        var group = MixedGroup.Combine(prompts.Images, clean, perturbedRollout, policy.Info.PadId);

        // 4–5. Rewards, then advantages over the whole mixed group.
        var (scores, samples) = Timed(
            StepPhase.Reward,
            () => Rewards(group, batchProblems),
            t => timings.Advantage += t
        );
        var advantages = Timed(
            StepPhase.Advantage, // [N]
            () => GroupAdvantage.Compute(scores, group.GroupSize, Options.AdvantageEpsilon),
            t => timings.Advantage += t
        );

        // 6. Old log-probs: the policy that sampled each row (Eq. 6), or the clean image (NoisyRollout).
        var oldPassImages = RlMethodTraits.OldLogProbsOnSamplingImage(Options.Method)
            ? group.SamplingImages
            : group.CleanImages;
        var old = Timed(
            StepPhase.OldLogProbs,
            () =>
                perturbed?.CleanScores is { } cleanScores && ReferenceEquals(oldPassImages, group.SamplingImages)
                    ? OldScoresReusingAttack(group, cleanScores)
                    : NoGradScores(policy, oldPassImages, group, computeEntropy: true),
            t => timings.Old += t
        );
        perturbed?.CleanScores?.Dispose();
        var (entropyClean, entropyPerturbed) = Timed(
            StepPhase.OldLogProbs,
            () => Entropies(group, old, oldPassImages),
            t => timings.Old += t
        );

        // 7. Reference log-probs (KL): the frozen initial policy, on the clean image by default.
        var refPassImages = Options.ReferenceOnSamplingImage ? group.SamplingImages : group.CleanImages;
        var refScores = reference is null
            ? null
            : Timed(
                StepPhase.Reference,
                () => NoGradScores(reference, refPassImages, group, computeEntropy: false),
                t => timings.Reference += t
            );

        // 8. Mini-batch updates; current-policy log-probs on the clean image.
        var currentLogProbs = zeros_like(old.LogProbs);
        var update = Timed(
            StepPhase.Update,
            () =>
                new PolicyUpdate(policy, optimizer, Options, generators.ClipCov).Run(
                    group,
                    old.LogProbs,
                    refScores?.LogProbs,
                    advantages,
                    currentLogProbs
                ),
            t => timings.Update += t
        );

        StepIndex++;
        timings.Step = time.GetElapsedTime(stepStart).TotalSeconds;
        KeepForInspection(indices, samples, prompts.Images, perturbed?.Images);
        if (TraceTensors)
            LastTrace = new RlStepTrace(
                group.DetachFromDisposeScope(),
                Detached(oldPassImages),
                reference is null ? null : Detached(refPassImages),
                old.LogProbs.DetachFromDisposeScope(),
                refScores?.LogProbs.DetachFromDisposeScope(),
                advantages.DetachFromDisposeScope(),
                currentLogProbs.DetachFromDisposeScope()
            );
        return Metrics(samples, group, update, entropyClean, entropyPerturbed, perturbed, timings);
    }

    private GenerationOptions Sampling(int responsesPerPrompt) => GenerationOptions.FromRl(Options, responsesPerPrompt);

    /// <summary>Teacher-forced logπ (and entropy) of every row of the group on the given per-row images, no
    /// gradient.</summary>
    private TokenScores NoGradScores(IPolicyModel model, ImageBatch rowImages, MixedGroup group, bool computeEntropy)
    {
        using var noGrad = no_grad();
        return TeacherForcing.Score(
            model,
            rowImages,
            group.PromptIds,
            group.PromptMask,
            group.ResponseIds,
            group.ResponseMask,
            Options.Temperature,
            computeEntropy,
            chunkRows: Options.MicroBatchResponses
        );
    }

    /// <summary>
    /// Old log-probs and entropies when EgAS already scored the clean rows on the clean image (its first forward,
    /// <see cref="PerturbedImages.CleanScores"/>): only the perturbed rows are scored here, on their sampling image.
    /// </summary>
    private TokenScores OldScoresReusingAttack(MixedGroup group, TokenScores cleanScores)
    {
        using var perturbedScores = ScoreOnSamplingImages(group, RowIndices(group, perturbed: true));
        return new TokenScores(
            group.Interleave(cleanScores.LogProbs, perturbedScores.LogProbs),
            group.Interleave(cleanScores.Entropy!, perturbedScores.Entropy!)
        );
    }

    /// <summary>Decoded responses scored against their problems → overall rewards [N] and the samples.</summary>
    private (Tensor Scores, RlSample[] Samples) Rewards(MixedGroup group, VisualProblem[] batchProblems)
    {
        long[] ids = group.ResponseIds.cpu().data<long>().ToArray();
        int length = (int)group.ResponseIds.shape[1];
        var samples = new RlSample[group.Rows];
        for (int row = 0; row < group.Rows; row++)
        {
            var problem = batchProblems[row / group.GroupSize];
            int[] tokens = [.. ids.AsSpan(row * length, length).ToArray().Select(id => (int)id)];
            string response = policy.Tokenizer.Decode(tokens);
            RewardScore reward = ProblemReward.Score(response, problem, Options.AccuracyWeight);
            samples[row] = new RlSample(
                row,
                problem.Id,
                problem.Problem,
                problem.Answer,
                response,
                group.IsPerturbed(row),
                reward.Overall,
                reward.Accuracy,
                reward.Format
            );
        }
        return (tensor(samples.Select(s => (float)s.Reward).ToArray(), dtype: ScalarType.Float32), samples);
    }

    /// <summary>Policy entropy (Eq. 3) of the clean rows and of the perturbed rows, each on its sampling
    /// image.</summary>
    private (double Clean, double? Perturbed) Entropies(MixedGroup group, TokenScores old, ImageBatch oldPassImages)
    {
        var cleanRows = RowIndices(group, perturbed: false);
        double clean = TokenEntropy
            .PolicyEntropy(old.Entropy!.index_select(0, cleanRows), group.ResponseMask.index_select(0, cleanRows))
            .item<float>();
        if (group.CleanResponses == group.GroupSize)
            return (clean, null);
        var perturbedRows = RowIndices(group, perturbed: true);
        var entropy = ReferenceEquals(oldPassImages, group.SamplingImages)
            ? old.Entropy!.index_select(0, perturbedRows)
            : SamplingEntropy(group, perturbedRows);
        return (
            clean,
            TokenEntropy.PolicyEntropy(entropy, group.ResponseMask.index_select(0, perturbedRows)).item<float>()
        );
    }

    private Tensor SamplingEntropy(MixedGroup group, Tensor rows) => ScoreOnSamplingImages(group, rows).Entropy!;

    /// <summary>Log-probs and entropies (no gradient) of the group's <paramref name="rows"/>, each on the image its
    /// response was sampled on.</summary>
    private TokenScores ScoreOnSamplingImages(MixedGroup group, Tensor rows)
    {
        using var noGrad = no_grad();
        return TeacherForcing.Score(
            policy,
            group.SamplingImages.IndexSelect(rows),
            group.PromptIds.index_select(0, rows),
            group.PromptMask.index_select(0, rows),
            group.ResponseIds.index_select(0, rows),
            group.ResponseMask.index_select(0, rows),
            Options.Temperature,
            computeEntropy: true,
            chunkRows: Options.MicroBatchResponses
        );
    }

    /// <summary>A detached copy of <paramref name="images"/> outside every dispose scope (the trace owns it).</summary>
    private static ImageBatch Detached(ImageBatch images) =>
        new(images.Pixels.clone().DetachFromDisposeScope(), images.Sizes);

    private static Tensor RowIndices(MixedGroup group, bool perturbed) =>
        tensor(
            Enumerable
                .Range(0, group.Rows)
                .Where(r => group.IsPerturbed(r) == perturbed)
                .Select(r => (long)r)
                .ToArray(),
            dtype: ScalarType.Int64,
            device: group.ResponseIds.device
        );

    /// <summary>Runs one phase of the step: its seconds go to <paramref name="record"/> (timing_s/...) and, with
    /// its span, to <see cref="TrainingTelemetry"/>.</summary>
    private T Timed<T>(StepPhase phase, Func<T> run, Action<double> record)
    {
        using var telemetry = TrainingTelemetry.Phase(phase, time);
        long start = time.GetTimestamp();
        var result = run();
        record(time.GetElapsedTime(start).TotalSeconds);
        return result;
    }

    private static void Freeze(IPolicyModel model)
    {
        model.SetTraining(false);
        foreach (var (_, parameter) in model.NamedParameters())
            parameter.requires_grad_(false);
    }

    public void Dispose()
    {
        LastTrace?.Dispose();
        lastCleanImages?.Dispose();
        lastPerturbedImages?.Dispose();
        optimizer.Dispose();
        generators.Dispose();
    }
}
