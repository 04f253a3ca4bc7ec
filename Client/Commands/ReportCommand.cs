using System.CommandLine;
using SaEI.Client.Reports;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Storage;
using SaEI.Silo;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei report &lt;exp&gt; [--out DIR] [--baseline M]`: the report folder of any sweep in storage (leaderboard,
/// comparisons, entropy/accuracy/reward plots, adversarial pairs, report.md; <see cref="SweepReport"/>), read through
/// the cluster and blob storage (Saei:Storage, default Azurite): the same code the demo ends with.
/// </summary>
public static class ReportCommand
{
    /// <summary>How long the storage may take to answer its first request before the verb gives up.</summary>
    private static readonly TimeSpan StorageTimeout = TimeSpan.FromSeconds(15);

    public static Command Create()
    {
        var experiment = VerbOptions.Id("exp", "experiment", "The experiment id.");
        var output = VerbOptions.Text("--out", "DIR", "The output folder [default: out/<experiment>].");
        var baseline = VerbOptions.Text(
            "--baseline",
            "M",
            $"The method every other is compared with [default: {LeaderboardComparisons.DefaultBaseline}]."
        );
        var command = new Command(
            "report",
            "Write a sweep's leaderboard, comparisons, plots (entropy, accuracy, reward, adversarial pairs) and "
                + "report.md into a folder."
        )
        {
            experiment,
            output,
            baseline,
        };
        var connection = ConnectionOptions.AddTo(command);
        command.SetAction(
            (parse, cancellation) =>
            {
                string id = parse.GetValue(experiment)!;
                return RunAsync(
                    id,
                    Path.GetFullPath(parse.GetValue(output) ?? Path.Combine("out", id)),
                    parse.GetValue(baseline) ?? LeaderboardComparisons.DefaultBaseline,
                    connection.Read(parse),
                    parse.InvocationConfiguration,
                    cancellation
                );
            }
        );
        return command;
    }

    public static async Task<int> RunAsync(
        string experiment,
        string folder,
        string baseline,
        ClusterTarget target,
        InvocationConfiguration console,
        CancellationToken cancellation
    )
    {
        string storage = target.Storage;
        if (await StorageCheck.CheckAsync(storage, StorageTimeout, cancellation) is { } problem)
            throw new UserFacingException($"cannot read the sweep's files: {problem}");
        var blobs = ResilientBlobStore.Connect(storage, StorageNames.DataContainer);
        await using var connection = await ClusterConnection.ConnectAsync(target, console.Error, cancellation);
        var results = await SweepResults.LoadAsync(connection.Client, blobs, experiment, baseline, cancellation);
        var written = await SweepReport.WriteAsync(folder, results, blobs, cancellation);
        var files = written.Plots.Append(written.Pairs).OfType<string>().Select(Path.GetFileName);
        await console.Output.WriteLineAsync(
            $"Report: {written.Report}; leaderboard.md; plots: {string.Join(", ", files)}"
        );
        if (!results.Status.Finished)
            await console.Error.WriteLineAsync(
                $"saei report: experiment {experiment} has unfinished runs; the report shows the runs so far."
            );
        return 0;
    }
}
