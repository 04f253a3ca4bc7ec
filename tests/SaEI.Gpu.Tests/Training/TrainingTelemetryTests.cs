using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using SaEI.Gpu.Training;
using static SaEI.Gpu.Tests.Training.TrainerFixtures;

namespace SaEI.Gpu.Tests.Training;

/// <summary>
/// The trainer's telemetry (<see cref="TrainingTelemetry"/>): one SaEI step on the tiny model inside a step span has
/// one child span per phase of the step, and the same phases in the duration histogram.
/// </summary>
public sealed class TrainingTelemetryTests
{
    private static readonly string[] SaeiPhases =
    [
        "advantage",
        "attack",
        "old_log_probs",
        "perturbed_rollout",
        "reference",
        "reward",
        "rollout",
        "update",
    ];

    [Fact]
    public void A_SaEI_step_has_a_child_span_and_a_duration_for_every_phase()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TrainingTelemetry.Name,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        // Measurements are recorded on the thread that runs the phase: this test's thread only (others may train).
        int thread = Environment.CurrentManagedThreadId;
        var durations = new ConcurrentBag<(string Phase, double Seconds)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                // By name: the instrument may be published while TrainingTelemetry is still being initialised.
                if (instrument.Meter.Name == TrainingTelemetry.Name && instrument.Name == "saei.step.phase.duration")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<double>(
            (_, seconds, tags, _) =>
            {
                if (Environment.CurrentManagedThreadId != thread)
                    return;
                foreach (var tag in tags)
                    if (tag.Key == "phase")
                        durations.Add(((string)tag.Value!, seconds));
            }
        );
        meters.Start();

        using var policy = Model();
        using var reference = Model();
        using var trainer = new RlTrainer(
            policy,
            reference,
            Options(RlMethod.Saei),
            Problems(4),
            totalSteps: 2,
            seed: 2
        );
        Activity step;
        using (step = TrainingTelemetry.StartStep("run-telemetry", 1, "saei")!)
            trainer.Step();

        Assert.NotNull(step);
        string stepId = step.SpanId.ToHexString();
        var children = spans.Where(s => s.ParentSpanId.ToHexString() == stepId).ToList();
        Assert.Equal(SaeiPhases, children.Select(s => s.OperationName).Distinct().Order(StringComparer.Ordinal));
        Assert.All(children, s => Assert.True(s.Duration > TimeSpan.Zero, $"{s.OperationName} took no time"));
        Assert.Equal(SaeiPhases, durations.Select(d => d.Phase).Distinct().Order(StringComparer.Ordinal));
        Assert.All(durations, d => Assert.True(d.Seconds >= 0, $"{d.Phase}: {d.Seconds} s"));
    }

    [Fact]
    public void Phase_names_are_distinct_snake_case()
    {
        var names = Enum.GetValues<StepPhase>().Select(TrainingTelemetry.PhaseName).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, name => Assert.Matches("^[a-z]+(_[a-z]+)*$", name));
    }
}
