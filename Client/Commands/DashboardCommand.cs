using System.CommandLine;
using SaEI.Dashboard;
using SaEI.Grains.Storage;
using SaEI.Silo;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei dashboard [--port N] [--bind ADDRESS]`: the web dashboard (docs/dashboard.md) over the cluster the other
/// verbs talk to, until Ctrl-C (exit 130). Loopback by default; another address needs SAEI_DASHBOARD_TOKEN (exit 1
/// without it, before anything is connected). Actions need the token, printed at start when it was generated.
/// </summary>
public static class DashboardCommand
{
    private static readonly TimeSpan StorageTimeout = TimeSpan.FromSeconds(15);

    public static Command Create()
    {
        var port = VerbOptions.PositiveInt(
            "--port",
            "N",
            $"The port to serve on [default: {DashboardOptions.DefaultPort}]."
        );
        var bind = VerbOptions.Text(
            "--bind",
            "ADDRESS",
            $"The address to listen on [default: 127.0.0.1]; another address needs {DashboardOptions.TokenVariable}."
        );
        var command = new Command(
            "dashboard",
            "Serve the web dashboard: experiments, live run tables, leaderboards, run curves; actions need a token."
        )
        {
            port,
            bind,
        };
        var connection = ConnectionOptions.AddTo(command);
        command.SetAction(
            (parse, cancellation) =>
                RunAsync(
                    parse.GetValue(port) ?? DashboardOptions.DefaultPort,
                    parse.GetValue(bind),
                    connection.Read(parse),
                    parse.InvocationConfiguration,
                    cancellation
                )
        );
        return command;
    }

    public static async Task<int> RunAsync(
        int port,
        string? bind,
        ClusterTarget target,
        InvocationConfiguration console,
        CancellationToken cancellation
    )
    {
        var address =
            DashboardOptionsValidator.ParseBind(bind)
            ?? throw new UsageException($"--bind is '{bind}'; give an IP address of this host (e.g. 127.0.0.1).");
        var options = new DashboardOptions { Port = port, Bind = address };
        string? token = DashboardOptions.GivenToken(null);
        if (options.Problems(token is not null, "--port", "--bind") is { Count: > 0 } problems)
            throw new UserFacingException(string.Join(" ", problems));
        string storage = target.Storage;
        if (await StorageCheck.CheckAsync(storage, StorageTimeout, cancellation) is { } problem)
            throw new UserFacingException($"cannot read the sweeps' files: {problem}");
        var blobs = ResilientBlobStore.Connect(storage, StorageNames.DataContainer);
        await using var connection = await ClusterConnection.ConnectAsync(target, console.Error, cancellation);
        DashboardServer server;
        try
        {
            server = await DashboardServer.StartAsync(options, connection.Client, blobs, cancellation: cancellation);
        }
        catch (IOException e)
        {
            throw new UserFacingException($"cannot listen on {address}:{port} ({e.Message}); pass --port N.", e);
        }
        await using (server)
        {
            await console.Output.WriteLineAsync(server.StartLine);
            await Task.Delay(Timeout.Infinite, cancellation);
        }
        return 0;
    }
}
