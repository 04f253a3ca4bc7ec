using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SaEI.Gpu.Training;

/// <summary>The phases of one training step, as metrics (tag <c>phase</c>) and trace spans name them.</summary>
public enum StepPhase
{
    /// <summary>Sampling the clean responses (step 1 of <see cref="RlTrainer"/>).</summary>
    Rollout,

    /// <summary>EgAS or diffusion noise on the image (steps 2–3).</summary>
    Attack,

    /// <summary>Sampling the responses on the perturbed image.</summary>
    PerturbedRollout,

    /// <summary>Decoding and scoring the responses.</summary>
    Reward,

    /// <summary>Group-normalised advantages over the mixed group.</summary>
    Advantage,

    /// <summary>Teacher-forced old log-probs and the entropies.</summary>
    OldLogProbs,

    /// <summary>The frozen reference's log-probs (KL).</summary>
    Reference,

    /// <summary>The mini-batch policy updates (loss, backward, AdamW).</summary>
    Update,

    /// <summary>The in-domain evaluation of a step (torch executor, every eval.every steps).</summary>
    Evaluation,

    /// <summary>The progress report to the run grain (renews the lease).</summary>
    Report,

    /// <summary>Writing and committing a checkpoint (and the samples with it).</summary>
    Checkpoint,

    /// <summary>The simulated executor's stand-in for all compute of a step.</summary>
    Simulated,
}

/// <summary>
/// The training step's telemetry: the meter <see cref="Name"/> (steps, phase durations) and the activity source of
/// the same name (a "saei.step" span per step with one child span per <see cref="StepPhase"/>), for OpenTelemetry
/// or any <see cref="MeterListener"/> / <see cref="ActivityListener"/>.
/// Decisions:
/// 1. Static, not from an IMeterFactory: the trainer has no dependency injection, and its instruments hold no
///    per-silo state (counters and histograms aggregate across all runs in the process).
/// 2. Tags are low-cardinality only (<c>phase</c>, <c>method</c>): no run ids on metrics. Spans carry the run id and
///    step, since a trace is about one step.
/// 3. No cost when nobody listens: <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and
///    an instrument without a listener drops its measurement.
/// </summary>
public static class TrainingTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "saei.training";

    /// <summary>The name of a step's span; its children are named by <see cref="PhaseName"/>.</summary>
    public const string StepActivityName = "saei.step";

    public static ActivitySource Source { get; } = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Training steps completed (reported to the run grain), tag <c>method</c>. Unit {step}.</summary>
    public static Counter<long> Steps { get; } =
        Meter.CreateCounter<long>(
            "saei.steps",
            "{step}",
            "Training steps completed and reported by the workers of this process"
        );

    /// <summary>Seconds per step phase, tag <c>phase</c> (<see cref="PhaseName"/>). Unit s.</summary>
    public static Histogram<double> PhaseDuration { get; } =
        Meter.CreateHistogram(
            "saei.step.phase.duration",
            "s",
            "Wall time of one phase of a training step",
            tags: null,
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
            }
        );

    /// <summary>The tag value and span name of a phase (snake case).</summary>
    public static string PhaseName(StepPhase phase) =>
        phase switch
        {
            StepPhase.Rollout => "rollout",
            StepPhase.Attack => "attack",
            StepPhase.PerturbedRollout => "perturbed_rollout",
            StepPhase.Reward => "reward",
            StepPhase.Advantage => "advantage",
            StepPhase.OldLogProbs => "old_log_probs",
            StepPhase.Reference => "reference",
            StepPhase.Update => "update",
            StepPhase.Evaluation => "evaluation",
            StepPhase.Report => "report",
            StepPhase.Checkpoint => "checkpoint",
            StepPhase.Simulated => "simulated",
            _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "not a step phase"),
        };

    /// <summary>Starts the span of one step (null when nobody listens); dispose it when the step ends.</summary>
    public static Activity? StartStep(string runId, int step, string method)
    {
        var activity = Source.StartActivity(StepActivityName);
        activity?.SetTag("saei.run_id", runId);
        activity?.SetTag("saei.step", step);
        activity?.SetTag("saei.method", method);
        return activity;
    }

    /// <summary>Counts one completed step of <paramref name="method"/>.</summary>
    public static void StepCompleted(string method) =>
        Steps.Add(1, new KeyValuePair<string, object?>("method", method));

    /// <summary>Starts a phase: a child span of the current step (if anyone listens) and, on dispose, the phase's
    /// duration measured on <paramref name="time"/>.</summary>
    public static PhaseScope Phase(StepPhase phase, TimeProvider time) => new(phase, time);
}

/// <summary>One running phase (<see cref="TrainingTelemetry.Phase"/>): dispose it when the phase ends.</summary>
public readonly struct PhaseScope : IDisposable
{
    private readonly Activity? activity;
    private readonly TimeProvider time;
    private readonly long start;
    private readonly StepPhase phase;

    internal PhaseScope(StepPhase phase, TimeProvider time)
    {
        this.phase = phase;
        this.time = time;
        start = time.GetTimestamp();
        activity = TrainingTelemetry.Source.StartActivity(TrainingTelemetry.PhaseName(phase));
    }

    /// <summary>Records the duration and ends the span.</summary>
    public void Dispose()
    {
        if (time is null)
            return; // default(PhaseScope): nothing started
        if (TrainingTelemetry.PhaseDuration.Enabled)
            TrainingTelemetry.PhaseDuration.Record(
                time.GetElapsedTime(start).TotalSeconds,
                new KeyValuePair<string, object?>("phase", TrainingTelemetry.PhaseName(phase))
            );
        activity?.Dispose();
    }
}
