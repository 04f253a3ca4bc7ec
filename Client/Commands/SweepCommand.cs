using System.CommandLine;
using System.Globalization;
using SaEI.Grains.Experiments;
using SaEI.Grains.Sweeps;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei sweep validate|launch|status|cancel`: validate is offline (<see cref="SweepValidateCommand"/>); the others
/// talk to a running cluster, see <see cref="ClusterConnection"/>.
/// </summary>
public static class SweepCommand
{
    public static Command Create() =>
        new("sweep", "Validate, launch, inspect and cancel sweeps.")
        {
            SweepValidateCommand.Create(),
            Launch(),
            Status(),
            Cancel(),
        };

    private static Command Launch()
    {
        var spec = VerbOptions.Path("spec", "The sweep spec (YAML).");
        var stepMs = VerbOptions.PositiveInt(
            "--step-ms",
            "N",
            "Milliseconds per step of the simulated executor (orchestration tests and benchmarks)."
        );
        var command = new Command("launch", "Store the sweep's runs and queue them (the same spec again: no-op).")
        {
            spec,
            stepMs,
        };
        var connection = ConnectionOptions.AddTo(command);
        command.SetAction(
            (parse, cancellation) =>
                LaunchAsync(
                    parse.GetValue(spec)!,
                    parse.GetValue(stepMs),
                    connection.Read(parse),
                    parse.InvocationConfiguration,
                    cancellation
                )
        );
        return command;
    }

    private static Command Status()
    {
        var experiment = VerbOptions.Id("exp", "experiment", "The experiment id.");
        var json = VerbOptions.Json();
        var command = new Command("status", "Every run: method, seed, state, step, restarts, worker, lease, metrics.")
        {
            experiment,
            json,
        };
        var connection = ConnectionOptions.AddTo(command);
        command.SetAction(
            (parse, cancellation) =>
                StatusAsync(
                    parse.GetValue(experiment)!,
                    parse.GetValue(json),
                    connection.Read(parse),
                    parse.InvocationConfiguration,
                    cancellation
                )
        );
        return command;
    }

    private static Command Cancel()
    {
        var experiment = VerbOptions.Id("exp", "experiment", "The experiment id.");
        var command = new Command("cancel", "Cancel the runs that have not finished (finished runs are kept).")
        {
            experiment,
        };
        var connection = ConnectionOptions.AddTo(command);
        command.SetAction(
            (parse, cancellation) =>
                CancelAsync(
                    parse.GetValue(experiment)!,
                    connection.Read(parse),
                    parse.InvocationConfiguration,
                    cancellation
                )
        );
        return command;
    }

    public static async Task<int> LaunchAsync(
        string path,
        int? stepMs,
        ClusterTarget target,
        InvocationConfiguration console,
        CancellationToken cancellation
    )
    {
        // Bounded read (size cap, strict UTF-8) and the same limits as validate: a hostile file fails here, not in the
        // silo.
        var limits = SweepValidateCommand.Limits();
        var (yaml, readError) = await SweepSpecParser.ReadFileAsync(path, limits, cancellation);
        if (yaml is null)
            throw new UserFacingException(readError?.Message ?? $"spec file '{path}' could not be read.");
        var parsed = SweepSpecParser.Parse(yaml, limits);
        if (parsed.Spec is not { } spec)
            throw new UserFacingException(
                $"{path}: {parsed.ProblemCount} problem(s):\n  "
                    + string.Join("\n  ", parsed.Errors)
                    + "\n(run `saei sweep validate` for details)"
            );
        var executorOptions = new Dictionary<string, string>();
        if (stepMs is { } ms)
            executorOptions[Grains.Workers.SimulatedRunExecutor.StepMillisecondsKey] = ms.ToString(
                CultureInfo.InvariantCulture
            );
        await using var connection = await ClusterConnection.ConnectAsync(target, console.Error, cancellation);
        var result = await connection
            .Client.GetGrain<IExperimentGrain>(spec.Experiment)
            .LaunchAsync(yaml, executorOptions);
        await console.Output.WriteLineAsync(result.Message);
        if (result.Outcome == LaunchOutcome.Launched)
            await console.Output.WriteLineAsync($"follow it with: saei watch {spec.Experiment}");
        return result.Outcome == LaunchOutcome.Refused ? 1 : 0;
    }

    public static async Task<int> StatusAsync(
        string experiment,
        bool json,
        ClusterTarget target,
        InvocationConfiguration console,
        CancellationToken cancellation
    )
    {
        await using var connection = await ClusterConnection.ConnectAsync(target, console.Error, cancellation);
        var status = await connection.Client.GetGrain<IExperimentGrain>(experiment).GetStatusAsync();
        if (!status.Launched && !json)
            throw new UserFacingException(
                $"experiment '{experiment}' was never launched; launch it with `saei sweep launch <spec.yaml>`."
            );
        await console.Output.WriteAsync(
            json ? JsonOutput.Serialize(StatusJson(status)) + "\n" : RunTable.Format(status)
        );
        return 0;
    }

    public static object StatusJson(SweepStatus status) =>
        new
        {
            experiment = status.ExperimentId,
            launched = status.Launched,
            finished = status.Finished,
            runs = status.Runs.Select(JsonOutput.RunRow).ToList(),
        };

    public static async Task<int> CancelAsync(
        string experiment,
        ClusterTarget target,
        InvocationConfiguration console,
        CancellationToken cancellation
    )
    {
        await using var connection = await ClusterConnection.ConnectAsync(target, console.Error, cancellation);
        int cancelled = await connection.Client.GetGrain<IExperimentGrain>(experiment).CancelAsync();
        await console.Output.WriteLineAsync(
            $"experiment {experiment}: {cancelled} run(s) cancelled; finished runs are kept."
        );
        return 0;
    }
}
