using System.CommandLine;
using System.Globalization;
using SaEI.Grains.Runs;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei run show &lt;run&gt; [--json]`: one run's state, assignment, checkpoints, metrics, failures and notes.
/// </summary>
public static class RunShowCommand
{
    /// <summary>`saei run` with its one sub-verb, show.</summary>
    public static Command Create()
    {
        var runId = VerbOptions.Id("run", "run", "The run id (`saei sweep status <exp>` lists them).");
        var json = VerbOptions.Json();
        var show = new Command("show", "One run: state, checkpoints, metrics, failures, resumes.") { runId, json };
        var connection = ConnectionOptions.AddTo(show);
        show.SetAction(
            (parse, cancellation) =>
                RunAsync(
                    parse.GetValue(runId)!,
                    parse.GetValue(json),
                    connection.Read(parse),
                    parse.InvocationConfiguration,
                    cancellation
                )
        );
        return new Command("run", "Look at one run.") { show };
    }

    public static async Task<int> RunAsync(
        string runId,
        bool json,
        ClusterTarget target,
        InvocationConfiguration console,
        CancellationToken cancellation
    )
    {
        var output = console.Output;
        await using var connection = await ClusterConnection.ConnectAsync(target, console.Error, cancellation);
        var run = await connection.Client.GetGrain<IRunGrain>(runId).GetStatusAsync();
        if (run.ExperimentId.Length == 0)
            throw new UserFacingException(
                $"run '{runId}' does not exist; `saei sweep status <exp>` lists the runs of a sweep."
            );
        if (json)
        {
            await output.WriteLineAsync(JsonOutput.Serialize(run));
            return 0;
        }
        var c = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(
            string.Create(
                c,
                $"run {run.RunId} (experiment {run.ExperimentId}): {run.Method} {run.ConfigKey} seed {run.Seed}"
            )
        );
        await output.WriteLineAsync(
            string.Create(
                c,
                $"  state {run.State}, step {run.Step}/{run.TotalSteps}, checkpoint {run.CheckpointStep}, "
                    + $"restarts {run.Restarts}, epoch {run.Epoch}, worker {run.Worker ?? "-"}"
            )
        );
        foreach (var (name, value) in run.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
            await output.WriteLineAsync(string.Create(c, $"  {name} = {value:0.0000}"));
        if (run.BestAccuracy is { } best)
            await output.WriteLineAsync(
                string.Create(c, $"  best in-domain accuracy {best:0.0000} at step {run.BestStep}")
            );
        foreach (var (name, score) in run.Benchmarks)
            await output.WriteLineAsync(string.Create(c, $"  {name}: {score:0.0000}"));
        if (run.FinalWeightsSha256 is { } sha)
            await output.WriteLineAsync($"  final weights sha256 {sha}");
        foreach (var failure in run.Failures)
            await output.WriteLineAsync(
                string.Create(
                    c,
                    $"  failure at step {failure.Step} (epoch {failure.Epoch}): {failure.Kind}: {failure.Message}"
                )
            );
        foreach (string note in run.Notes)
            await output.WriteLineAsync($"  note: {note}");
        return 0;
    }
}
