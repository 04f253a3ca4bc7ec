using System.Text.Json;
using SaEI.Gpu.Evaluation;
using SaEI.Grains.Results.Statistics;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Evaluation;

/// <summary>
/// Per-problem results of one evaluation, stored beside the run so the leaderboard can bootstrap over problems:
/// <code>experiments/{exp}/runs/{run}/evaluations/step-000040/{name}.json</code>
/// with <c>{"benchmark", "step", "samples_per_problem", "eval_seed", "responses_sha256", "problem_ids": [...],
/// "passes": [...]}</c> (passes[i] of the k samples of problem i were correct; responses_sha256 fingerprints the
/// sampled text, <see cref="PerProblem.ResponsesSha256"/>). {name} is the leaderboard's score key: the
/// out-of-domain benchmark's name, or "in-domain" for the in-domain test set (<see cref="Runs.MetricNames.InDomain"/>).
/// Decisions:
/// 1. Written unconditionally: an evaluation is deterministic (common random numbers), so a retried one writes the
///    same content.
/// 2. A missing file is an expected outcome (runs of the simulated executor, or evaluated before this file existed):
///    <see cref="TryReadAsync"/> returns null and the statistics fall back to seed-level resampling.
/// </summary>
public sealed class ProblemResultsStore(ResilientBlobStore blobs)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static string PathOf(string experiment, string run, int step, string name) =>
        BlobPaths.Run(experiment, run)
        + "evaluations/"
        + BlobPaths.StepName(step)
        + "/"
        + Ids.Require(name, "benchmark")
        + ".json";

    /// <summary>Stores the per-problem results of <paramref name="result"/> under <paramref name="name"/>.</summary>
    public Task WriteAsync(
        string experiment,
        string run,
        int step,
        string name,
        BenchmarkResult result,
        ulong evalSeed,
        CancellationToken cancellation
    ) =>
        WriteAsync(
            experiment,
            run,
            step,
            name,
            PerProblem.Of(result),
            evalSeed,
            PerProblem.ResponsesSha256(result),
            cancellation
        );

    public async Task WriteAsync(
        string experiment,
        string run,
        int step,
        string name,
        ProblemPasses passes,
        ulong evalSeed,
        string responsesSha256,
        CancellationToken cancellation
    )
    {
        passes.Validate();
        var file = new StoredProblemResults(
            name,
            step,
            passes.SamplesPerProblem,
            evalSeed,
            responsesSha256,
            [.. passes.Ids],
            [.. passes.Passes]
        );
        var content = BinaryData.FromString(JsonSerializer.Serialize(file, Json));
        await blobs.WriteAsync(PathOf(experiment, run, step, name), content, WriteCondition.Overwrite, cancellation);
    }

    /// <summary>The stored results, or null when there are none; a corrupt file is an error naming its path.</summary>
    public async Task<ProblemPasses?> TryReadAsync(
        string experiment,
        string run,
        int step,
        string name,
        CancellationToken cancellation
    ) => (await TryReadFileAsync(experiment, run, step, name, cancellation))?.ToPasses();

    /// <summary>The stored file with its fingerprint, or null when there is none.</summary>
    public async Task<StoredProblemResults?> TryReadFileAsync(
        string experiment,
        string run,
        int step,
        string name,
        CancellationToken cancellation
    )
    {
        string path = PathOf(experiment, run, step, name);
        if (await blobs.ReadAsync(path, cancellation) is not BlobReadResult.Found found)
            return null;
        try
        {
            var file =
                JsonSerializer.Deserialize<StoredProblemResults>(found.Content.ToString(), Json)
                ?? throw new InvalidDataException($"{path} is empty.");
            file.ToPasses();
            return file;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException(
                $"{path} is not a per-problem result file ({e.Message}); delete it and re-run the evaluation.",
                e
            );
        }
    }
}

/// <summary>One stored per-problem result file (see <see cref="ProblemResultsStore"/>).</summary>
public sealed record StoredProblemResults(
    string Benchmark,
    int Step,
    int SamplesPerProblem,
    ulong EvalSeed,
    string ResponsesSha256,
    string[] ProblemIds,
    int[] Passes
)
{
    /// <summary>The pass counts, validated (throws naming what is inconsistent).</summary>
    public ProblemPasses ToPasses() => new ProblemPasses(ProblemIds ?? [], Passes ?? [], SamplesPerProblem).Validate();
}
