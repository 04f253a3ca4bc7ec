using SaEI.Grains.Experiments;
using SaEI.Grains.Sweeps;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei sweep validate|launch|status|cancel`: the sub-dispatch of the sweep verbs (validate is offline; the others
/// talk to a running cluster, see <see cref="ClusterConnection"/>).
/// </summary>
public static class SweepCommand
{
    public const string Usage = "saei sweep validate <spec.yaml> [--runs] | launch <spec.yaml> [--step-ms N] | status <exp> [--json] | cancel <exp>  [--cluster-id ID | --gateway-port N]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellation)
    {
        string sub = args.Length > 1 ? args[1] : "";
        return sub switch
        {
            "validate" => await SweepValidateCommand.RunAsync(args),
            "launch" => await LaunchAsync(Parse(args, "saei sweep launch <spec.yaml> [--step-ms N]", ["--step-ms"], []), output, cancellation),
            "status" => await StatusAsync(Parse(args, "saei sweep status <exp> [--json]", [], ["--json"]), output, cancellation),
            "cancel" => await CancelAsync(Parse(args, "saei sweep cancel <exp>", [], []), output, cancellation),
            _ => throw new UsageException($"unknown sweep verb '{sub}'. usage: {Usage}"),
        };
    }

    public static async Task<int> LaunchAsync(VerbArguments arguments, TextWriter output, CancellationToken cancellation)
    {
        string path = arguments.Positional(0, "the spec file");
        // Bounded read (size cap, strict UTF-8) and the same limits as validate: a hostile file fails here, not in the silo.
        var limits = SpecLimits.FromEnvironment();
        var (yaml, readError) = await SweepSpecParser.ReadFileAsync(path, limits, cancellation);
        if (yaml is null) throw new UserFacingException(readError?.Message ?? $"spec file '{path}' could not be read.");
        var parsed = SweepSpecParser.Parse(yaml, limits);
        if (parsed.Spec is not { } spec)
            throw new UserFacingException($"{path}: {parsed.ProblemCount} problem(s):\n  " + string.Join("\n  ", parsed.Errors) + "\n(run `saei sweep validate` for details)");
        var executorOptions = new Dictionary<string, string>();
        if (arguments.IntOption("--step-ms") is { } stepMs) executorOptions[Grains.Workers.SimulatedRunExecutor.StepMillisecondsKey] = stepMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var connection = await ClusterConnection.ConnectAsync(arguments, cancellation);
        var result = await connection.Client.GetGrain<IExperimentGrain>(spec.Experiment).LaunchAsync(yaml, executorOptions);
        await output.WriteLineAsync(result.Message);
        if (result.Outcome == LaunchOutcome.Launched) await output.WriteLineAsync($"follow it with: saei watch {spec.Experiment}");
        return result.Outcome == LaunchOutcome.Refused ? 1 : 0;
    }

    public static async Task<int> StatusAsync(VerbArguments arguments, TextWriter output, CancellationToken cancellation)
    {
        string experiment = arguments.Id(0, "experiment");
        await using var connection = await ClusterConnection.ConnectAsync(arguments, cancellation);
        var status = await connection.Client.GetGrain<IExperimentGrain>(experiment).GetStatusAsync();
        if (!status.Launched && !arguments.Json)
            throw new UserFacingException($"experiment '{experiment}' was never launched; launch it with `saei sweep launch <spec.yaml>`.");
        await output.WriteAsync(arguments.Json ? JsonOutput.Serialize(StatusJson(status)) + "\n" : RunTable.Format(status));
        return 0;
    }

    public static object StatusJson(SweepStatus status) => new
    {
        experiment = status.ExperimentId,
        launched = status.Launched,
        finished = status.Finished,
        runs = status.Runs.Select(JsonOutput.RunRow).ToList(),
    };

    public static async Task<int> CancelAsync(VerbArguments arguments, TextWriter output, CancellationToken cancellation)
    {
        string experiment = arguments.Id(0, "experiment");
        await using var connection = await ClusterConnection.ConnectAsync(arguments, cancellation);
        int cancelled = await connection.Client.GetGrain<IExperimentGrain>(experiment).CancelAsync();
        await output.WriteLineAsync($"experiment {experiment}: {cancelled} run(s) cancelled; finished runs are kept.");
        return 0;
    }

    private static VerbArguments Parse(string[] args, string usage, IReadOnlyList<string> values, IReadOnlyList<string> switches) =>
        new(args[2..], usage, [.. values, .. VerbArguments.ConnectionOptions], switches);
}
