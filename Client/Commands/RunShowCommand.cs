using System.Globalization;
using SaEI.Grains.Runs;

namespace SaEI.Client.Commands;

/// <summary>`saei run show &lt;run&gt; [--json]`: one run's state, assignment, checkpoints, metrics, failures and notes.</summary>
public static class RunShowCommand
{
    public const string Usage = "saei run show <run> [--json] [--cluster-id ID | --gateway-port N] [--timeout S] [--tls-cert F --tls-ca F]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellation)
    {
        if (args.Length < 2 || args[1] != "show") throw new UsageException($"unknown run verb. usage: {Usage}");
        var arguments = new VerbArguments(args[2..], Usage, VerbArguments.ConnectionOptions, ["--json"]);
        string runId = arguments.Id(0, "run");
        await using var connection = await ClusterConnection.ConnectAsync(arguments, cancellation);
        var run = await connection.Client.GetGrain<IRunGrain>(runId).GetStatusAsync();
        if (run.ExperimentId.Length == 0) throw new UserFacingException($"run '{runId}' does not exist; `saei sweep status <exp>` lists the runs of a sweep.");
        if (arguments.Json)
        {
            await output.WriteLineAsync(JsonOutput.Serialize(run));
            return 0;
        }
        var c = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(string.Create(c, $"run {run.RunId} (experiment {run.ExperimentId}): {run.Method} {run.ConfigKey} seed {run.Seed}"));
        await output.WriteLineAsync(string.Create(c, $"  state {run.State}, step {run.Step}/{run.TotalSteps}, checkpoint {run.CheckpointStep}, restarts {run.Restarts}, epoch {run.Epoch}, worker {run.Worker ?? "-"}"));
        foreach (var (name, value) in run.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
            await output.WriteLineAsync(string.Create(c, $"  {name} = {value:0.0000}"));
        if (run.BestAccuracy is { } best) await output.WriteLineAsync(string.Create(c, $"  best in-domain accuracy {best:0.0000} at step {run.BestStep}"));
        foreach (var (name, score) in run.Benchmarks) await output.WriteLineAsync(string.Create(c, $"  {name}: {score:0.0000}"));
        if (run.FinalWeightsSha256 is { } sha) await output.WriteLineAsync($"  final weights sha256 {sha}");
        foreach (var failure in run.Failures) await output.WriteLineAsync(string.Create(c, $"  failure at step {failure.Step} (epoch {failure.Epoch}): {failure.Kind}: {failure.Message}"));
        foreach (string note in run.Notes) await output.WriteLineAsync($"  note: {note}");
        return 0;
    }
}
