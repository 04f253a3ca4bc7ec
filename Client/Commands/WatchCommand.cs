using SaEI.Grains.Experiments;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei watch &lt;exp&gt; [--interval S] [--json]`: a live table of the sweep (run, method, seed, step/total, reward,
/// entropy, accuracy, restarts, state), redrawn every interval until every run has finished or Ctrl-C. With --json,
/// one JSON document per refresh.
/// </summary>
public static class WatchCommand
{
    public const string Usage = "saei watch <exp> [--interval S] [--json] [--cluster-id ID | --gateway-port N] [--timeout S] [--tls-cert F --tls-ca F]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellation)
    {
        var arguments = new VerbArguments(args[1..], Usage, ["--interval", .. VerbArguments.ConnectionOptions], ["--json"]);
        string experiment = arguments.Id(0, "experiment");
        var interval = TimeSpan.FromSeconds(arguments.IntOption("--interval") ?? 2);
        await using var connection = await ClusterConnection.ConnectAsync(arguments, cancellation);
        var grain = connection.Client.GetGrain<IExperimentGrain>(experiment);
        bool redraw = !arguments.Json && !Console.IsOutputRedirected && output == Console.Out;
        while (true)
        {
            var status = await grain.GetStatusAsync();
            if (!status.Launched) throw new UserFacingException($"experiment '{experiment}' was never launched; launch it with `saei sweep launch <spec.yaml>`.");
            if (redraw) await output.WriteAsync("\u001b[H\u001b[2J");
            await output.WriteAsync(arguments.Json ? JsonOutput.Serialize(SweepCommand.StatusJson(status)) + "\n" : RunTable.Format(status));
            if (status.Finished) return 0;
            await Task.Delay(interval, cancellation);
        }
    }
}
