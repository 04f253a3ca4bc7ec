using System.CommandLine;
using SaEI.Silo;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei silo --executor torch|simulated [--role control|gpu|all] [--cluster-id ID --port N --gateway-port N]
/// [--slots N] [--bind ADDRESS --tls-cert FILE --tls-ca FILE] ...`: runs a silo host (exit codes: see
/// <see cref="SaeiSilo.RunAsync"/>).
/// Decisions:
/// 1. The options are the silo's own flags (<see cref="SiloSettings.Flags"/>), one option each, so help lists every
///    flag the silo reads and no other; the values pass through unchanged to the silo's entry, which checks them
///    with its environment and appsettings (a bad value there is invalid configuration, exit 2, every problem in
///    one message). `--executor` is the one flag with a closed set of values, checked by the parser.
/// 2. A silo stopped by Ctrl-C exits 130 like every other verb.
/// </summary>
public static class SiloCommand
{
    /// <summary>What each flag means; a flag the silo adds later is listed with the setting it sets.</summary>
    private static readonly Dictionary<string, (string HelpName, string Description)> Known = new()
    {
        ["--executor"] = (
            "torch|simulated",
            "Required (here or as Saei__Executor): torch trains for real; "
                + "simulated runs compute-free steps (orchestration tests, benchmarks)."
        ),
        ["--role"] = (
            "control|gpu|all",
            "What the silo does: control (experiments, runs), gpu (trains runs), or all " + "[default: all]."
        ),
        ["--cluster-id"] = ("ID", "Join this cluster through Azure Table storage (default: one local silo)."),
        ["--port"] = ("N", "Silo-to-silo port [default: 11111]."),
        ["--gateway-port"] = ("N", "Client gateway port [default: 30000]."),
        ["--slots"] = ("N", "Runs this silo trains at once."),
        ["--step-ms"] = ("N", "Milliseconds per step of the simulated executor."),
        ["--name"] = ("NAME", "The silo's name in logs and run assignments."),
        ["--bind"] = ("ADDRESS", "Listen on and advertise this address (beyond loopback needs mutual TLS)."),
        ["--tls-cert"] = ("FILE", "This silo's certificate and key for mutual TLS (password in SAEI_TLS_PASSWORD)."),
        ["--tls-ca"] = ("FILE", "The CA every peer's certificate must chain to."),
        ["--metrics-port"] = ("N", "Serve Prometheus metrics on http://BIND:N/metrics [default: off]."),
        ["--metrics-bind"] = (
            "ADDRESS",
            "Address of the metrics endpoint [default: 127.0.0.1; others need " + "Saei:Metrics:AllowRemote=true]."
        ),
        ["--otlp-endpoint"] = ("URL", "Send metrics and step traces to this OTLP collector [default: off]."),
        ["--orleans-dashboard-port"] = (
            "N",
            "Serve the Orleans dashboard (grain statistics) on port N " + "[default: off]."
        ),
        ["--orleans-dashboard-bind"] = (
            "ADDRESS",
            "Address of the Orleans dashboard [default: 127.0.0.1; "
                + "others need Saei:OrleansDashboard:AllowRemote=true]."
        ),
    };

    public static Command Create()
    {
        var command = new Command(
            "silo",
            "Run a silo on this machine (Ctrl-C stops it). Every flag is also a setting "
                + "(appsettings.json, Saei__... environment)."
        );
        var options = new List<(string Flag, Option<string?> Option)>();
        foreach (var (flag, key) in SiloSettings.Flags)
        {
            var (helpName, description) = Known.GetValueOrDefault(flag, ("VALUE", "Sets the silo setting."));
            var option =
                flag == "--executor"
                    ? VerbOptions.OneOf(
                        flag,
                        $"{description} ({key})",
                        [SiloConfiguration.TorchExecutor, SiloConfiguration.SimulatedExecutor]
                    )
                    : VerbOptions.Text(flag, helpName, $"{description} ({key})");
            command.Options.Add(option);
            options.Add((flag, option));
        }
        command.SetAction(
            async (parse, cancellation) =>
            {
                var args = options
                    .Where(o => parse.GetResult(o.Option) is not null)
                    .SelectMany(o => new[] { o.Flag, parse.GetValue(o.Option) ?? "" })
                    .ToArray();
                int code = await SaeiSilo.RunAsync(args, parse.InvocationConfiguration.Error);
                return code == 0 && cancellation.IsCancellationRequested ? CommandLine.InterruptedExitCode : code;
            }
        );
        return command;
    }
}
