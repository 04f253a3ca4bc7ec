using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using SaEI.Gpu.Training;
using SaEI.Grains.Runs;

namespace SaEI.Grains.Workers;

/// <summary>
/// A compute-free stand-in for the TorchSharp trainer behind <see cref="IRunExecutor"/>: the orchestration's tests and
/// the 1,000-run scheduling benchmark run on it.
///
/// Decisions:
/// 1. "Weights" are 64 bytes evolved by SHA-512 chaining: w₀ = SHA512("saei-sim|method|config|seed"),
///    wₛ = SHA512(wₛ₋₁ ‖ s). Deterministic, order-sensitive and cheap, so a resumed run ends bit-identical to an
///    uninterrupted one only if resume restores exactly the committed step — the property the real trainer needs.
/// 2. Metrics are pure functions of (method, config, seed, step) (<see cref="SimulatedMetrics"/>).
/// 3. Each step waits a fixed duration (option <c>sim_step_ms</c>, else <see
///    cref="SimulatedExecutorOptions.StepDuration"/>). Task.Delay overshoots on Linux (README "Benchmarks", scheduling
///    efficiency), which a real step does not: the attempt keeps the time it has slept against the time its steps asked
///    for and sleeps only the difference, so N steps take N·duration of sleep. Reporting and committing between steps
///    still add their time.
/// 4. Faults for tests: options <c>sim_fail_at_step</c>, <c>sim_fail_kind</c> (numeric | infrastructure |
///    configuration) and <c>sim_fail_attempts</c> (fail while restarts &lt; this; default 1), or the <see
///    cref="SimulatedFaults"/> hook.
/// 5. Telemetry like the trainer's (<see cref="TrainingTelemetry"/>): a span per step with the phases simulated,
///    report and checkpoint, and their durations.
/// </summary>
public sealed class SimulatedRunExecutor(SimulatedExecutorOptions options, SimulatedFaults faults, TimeProvider time)
    : IRunExecutor
{
    public const string StepMillisecondsKey = "sim_step_ms";
    public const string FailAtStepKey = "sim_fail_at_step";
    public const string FailKindKey = "sim_fail_kind";
    public const string FailAttemptsKey = "sim_fail_attempts";
    public const string WeightsFile = "model.bin";
    public const string StateFile = "state.json";

    public async Task<RunExecutionResult> ExecuteAsync(RunExecutionContext context, CancellationToken cancellation)
    {
        var run = context.Run;
        TimeSpan stepDuration = StepDuration(run);
        byte[] weights;
        int start;
        using (var loaded = await context.Checkpoints.LoadLatestAsync(cancellation))
        {
            bool resumes = loaded is { Step: > 0 }; // step 0: every checkpoint was corrupt, start over
            weights = resumes
                ? await File.ReadAllBytesAsync(loaded!.PathOf(WeightsFile), cancellation)
                : InitialWeights(run);
            start = (resumes ? loaded!.Step : 0) + 1;
            if (resumes)
                context.Logger.LogInformation(
                    "Run {RunId} resumes from step {Step} (epoch {Epoch})",
                    run.RunId,
                    loaded!.Step,
                    context.Epoch
                );
        }
        var clock = new StepClock();
        for (int step = start; step <= run.Steps; step++)
        {
            using var span = TrainingTelemetry.StartStep(run.RunId, step, run.Method);
            await faults.BeforeStepAsync(context, step, cancellation);
            ThrowInjectedFailure(context, step);
            using (TrainingTelemetry.Phase(StepPhase.Simulated, time))
                await clock.WorkAsync(stepDuration, cancellation);
            weights = NextWeights(weights, step);
            bool evaluates = step % run.EvalEvery == 0 || step == run.Steps;
            using (TrainingTelemetry.Phase(StepPhase.Report, time))
                await context.Progress.ReportAsync(step, SimulatedMetrics.At(run, step, evaluates), cancellation);
            if (step % run.CheckpointEvery == 0 || step == run.Steps)
            {
                using var phase = TrainingTelemetry.Phase(StepPhase.Checkpoint, time);
                using var staged = context.Checkpoints.Stage(step);
                await File.WriteAllBytesAsync(staged.PathOf(WeightsFile), weights, cancellation);
                await File.WriteAllTextAsync(staged.PathOf(StateFile), $"{{\"step\":{step}}}", cancellation);
                await context.Checkpoints.CommitAsync(step, staged, cancellation);
            }
        }
        return new RunExecutionResult(run.Steps, Convert.ToHexStringLower(SHA256.HashData(weights)));
    }

    /// <summary>The weights of an uninterrupted run after <paramref name="steps"/> steps (the reference in
    /// tests).</summary>
    public static byte[] WeightsAfter(RunDescriptor run, int steps)
    {
        byte[] weights = InitialWeights(run);
        for (int step = 1; step <= steps; step++)
            weights = NextWeights(weights, step);
        return weights;
    }

    private static byte[] InitialWeights(RunDescriptor run) =>
        SHA512.HashData(Encoding.UTF8.GetBytes($"saei-sim|{run.Method}|{run.ConfigKey}|{run.Seed}"));

    private static byte[] NextWeights(byte[] weights, int step)
    {
        byte[] input = new byte[weights.Length + sizeof(int)];
        weights.CopyTo(input, 0);
        BitConverter.TryWriteBytes(input.AsSpan(weights.Length), step);
        return SHA512.HashData(input);
    }

    private TimeSpan StepDuration(RunDescriptor run) =>
        run.Options.TryGetValue(StepMillisecondsKey, out string? text)
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double ms)
            ? TimeSpan.FromMilliseconds(ms)
            : options.StepDuration;

    private static void ThrowInjectedFailure(RunExecutionContext context, int step)
    {
        var run = context.Run;
        if (
            !run.Options.TryGetValue(FailAtStepKey, out string? at)
            || !int.TryParse(at, CultureInfo.InvariantCulture, out int failAt)
            || failAt != step
        )
            return;
        int attempts =
            run.Options.TryGetValue(FailAttemptsKey, out string? a)
            && int.TryParse(a, CultureInfo.InvariantCulture, out int n)
                ? n
                : 1;
        if (context.Restarts >= attempts)
            return;
        string kindText = run.Options.GetValueOrDefault(FailKindKey, "infrastructure");
        FailureKind kind = kindText switch
        {
            "numeric" => FailureKind.Numeric,
            "configuration" => FailureKind.Configuration,
            "infrastructure" => FailureKind.Infrastructure,
            _ => throw new RunFailureException(
                FailureKind.Configuration,
                $"run {run.RunId}: option {FailKindKey} = '{kindText}' is not one of numeric, infrastructure, "
                    + $"configuration.",
                step
            ),
        };
        throw new RunFailureException(
            kind,
            $"run {run.RunId}: injected {kindText} failure at step {step} (attempt {context.Restarts + 1}).",
            step
        );
    }
}

/// <summary>Sleeps for simulated work without accumulating the timer's overshoot (decision 3 of <see
/// cref="SimulatedRunExecutor"/>).</summary>
internal sealed class StepClock
{
    private TimeSpan asked,
        slept;

    public async Task WorkAsync(TimeSpan duration, CancellationToken cancellation)
    {
        if (duration <= TimeSpan.Zero)
            return;
        asked += duration;
        var owed = asked - slept;
        if (owed <= TimeSpan.Zero)
            return;
        long start = Stopwatch.GetTimestamp();
        await Task.Delay(owed, cancellation);
        slept += Stopwatch.GetElapsedTime(start);
    }
}

/// <summary>Options of <see cref="SimulatedRunExecutor"/>.</summary>
public sealed class SimulatedExecutorOptions
{
    /// <summary>Wall time of one simulated step when the run has no <c>sim_step_ms</c> option. Default 20 ms.</summary>
    public TimeSpan StepDuration { get; set; } = TimeSpan.FromMilliseconds(20);
}

/// <summary>A test hook called before every simulated step (e.g. to corrupt a checkpoint, then throw).</summary>
public sealed class SimulatedFaults
{
    /// <summary>Called with (context, step); may throw a <see cref="RunFailureException"/>. Null: no fault.</summary>
    public Func<RunExecutionContext, int, CancellationToken, Task>? BeforeStep { get; set; }

    public Task BeforeStepAsync(RunExecutionContext context, int step, CancellationToken cancellation) =>
        BeforeStep?.Invoke(context, step, cancellation) ?? Task.CompletedTask;
}
