namespace SaEI.Grains.Workers;

/// <summary>
/// The seam between orchestration and training: executes one attempt of one run. Registered in DI; the GpuWorker
/// grain calls it off the grain scheduler (Task.Run). An implementation resumes from
/// <see cref="RunExecutionContext.Checkpoints"/>, reports every step through <see cref="RunExecutionContext.Progress"/>
/// (which throws <see cref="RunFencedException"/> when the run was reassigned: stop at once, commit nothing), commits
/// checkpoints every <c>CheckpointEvery</c> steps and at the end, and signals its own failures with
/// <see cref="RunFailureException"/> (any other exception counts as an infrastructure failure).
/// </summary>
public interface IRunExecutor
{
    Task<RunExecutionResult> ExecuteAsync(RunExecutionContext context, CancellationToken cancellation);
}

/// <summary>The result of an attempt that ran every step.</summary>
/// <param name="FinalStep">The last step executed (= Steps).</param>
/// <param name="FinalWeightsSha256">SHA-256 (lower-case hex) of the final weights' bytes (the torch executor: the last
/// checkpoint's model.safetensors), recorded for bit-identity checks.</param>
public sealed record RunExecutionResult(int FinalStep, string FinalWeightsSha256);
