using System.CommandLine;
using SaEI.Grains.Experiments;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei watch &lt;exp&gt; [--interval S] [--json]`: a live table of the sweep (run, method, seed, step/total, reward,
/// entropy, accuracy, restarts, state), redrawn every interval until every run has finished or Ctrl-C. With --json,
/// one JSON document per refresh.
/// </summary>
public static class WatchCommand
{
    public static Command Create()
    {
        var experiment = VerbOptions.Id("exp", "experiment", "The experiment id.");
        var interval = VerbOptions.PositiveInt("--interval", "SECONDS", "Seconds between refreshes [default: 2].");
        var json = VerbOptions.Json();
        var command = new Command("watch", "A live table of the sweep until every run has finished (Ctrl-C leaves).")
        {
            experiment,
            interval,
            json,
        };
        var connection = ConnectionOptions.AddTo(command);
        command.SetAction(
            (parse, cancellation) =>
                RunAsync(
                    parse.GetValue(experiment)!,
                    TimeSpan.FromSeconds(parse.GetValue(interval) ?? 2),
                    parse.GetValue(json),
                    connection.Read(parse),
                    parse.InvocationConfiguration,
                    cancellation
                )
        );
        return command;
    }

    public static async Task<int> RunAsync(
        string experiment,
        TimeSpan interval,
        bool json,
        ClusterTarget target,
        InvocationConfiguration console,
        CancellationToken cancellation
    )
    {
        var output = console.Output;
        await using var connection = await ClusterConnection.ConnectAsync(target, console.Error, cancellation);
        var grain = connection.Client.GetGrain<IExperimentGrain>(experiment);
        bool redraw = !json && !Console.IsOutputRedirected && output == Console.Out;
        while (true)
        {
            var status = await grain.GetStatusAsync();
            if (!status.Launched)
                throw new UserFacingException(
                    $"experiment '{experiment}' was never launched; launch it with `saei sweep launch <spec.yaml>`."
                );
            if (redraw)
                await output.WriteAsync("\u001b[H\u001b[2J");
            await output.WriteAsync(
                json ? JsonOutput.Serialize(SweepCommand.StatusJson(status)) + "\n" : RunTable.Format(status)
            );
            if (status.Finished)
                return 0;
            await Task.Delay(interval, cancellation);
        }
    }
}
