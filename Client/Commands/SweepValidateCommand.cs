using System.CommandLine;
using System.Globalization;
using SaEI.Grains.Sweeps;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei sweep validate &lt;spec.yaml&gt; [--runs [--model-config FILE] [--available GIB]]`: parses and validates a
/// sweep spec without touching storage or a cluster; prints the run count and fingerprint (and with --runs every run
/// and its memory plan, <see cref="SweepMemoryEstimate"/>), or every problem with its line. Exit 0 when valid, 1 when
/// not, 2 on bad usage. The limits are a silo's ("Saei:Specs", read from the environment, e.g. Saei__Specs__MaxRuns): a
/// spec valid here is one a silo with the same settings accepts.
/// </summary>
public static class SweepValidateCommand
{
    public static Command Create()
    {
        var spec = VerbOptions.Path("spec", "The sweep spec (YAML).");
        var runs = new Option<bool>("--runs") { Description = "List every run and its memory plan." };
        var modelConfig = VerbOptions.Text(
            "--model-config",
            "FILE",
            "The model's config.json for the memory plan (default: found from the spec's model)."
        );
        var available = VerbOptions.PositiveNumber(
            "--available",
            "GIB",
            "Memory per device in GiB, to say whether each run fits.",
            maximum: 1 << 20
        );
        var command = new Command(
            "validate",
            "Check a sweep spec offline: every problem with its line, or the run count."
        )
        {
            spec,
            runs,
            modelConfig,
            available,
        };
        command.SetAction(
            (parse, cancellation) =>
                RunAsync(
                    parse.GetValue(spec)!,
                    parse.GetValue(runs),
                    parse.GetValue(modelConfig),
                    parse.GetValue(available) is { } gib ? (long)(gib * (1L << 30)) : null,
                    parse.InvocationConfiguration,
                    cancellation
                )
        );
        return command;
    }

    /// <summary>A silo's spec limits (Saei__Specs__*); a bad setting is the user's to fix (exit 1).</summary>
    public static SpecLimits Limits()
    {
        try
        {
            return SpecLimits.FromEnvironment();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new UserFacingException(e.Message, e); // an unparsable or non-positive Saei__Specs__* setting
        }
    }

    public static async Task<int> RunAsync(
        string path,
        bool listRuns,
        string? modelConfig,
        long? available,
        InvocationConfiguration console,
        CancellationToken cancellation
    )
    {
        var (output, error) = (console.Output, console.Error);
        var limits = Limits();
        var result = await SweepSpecParser.ParseFileAsync(path, limits, cancellation);
        if (result.Spec is not { } spec)
        {
            await error.WriteLineAsync($"{path}: {result.ProblemCount} problem(s):");
            foreach (var problem in result.Errors)
                await error.WriteLineAsync(
                    $"  {path}:"
                        + (problem.Line is { } line ? $"{line}:{problem.Column}: " : " ")
                        + (problem.Path.Length > 0 ? $"{problem.Path}: " : "")
                        + problem.Message
                );
            return 1;
        }
        var runs = SweepExpansion.Expand(spec, limits);
        int points = runs.Select(r => (r.Method, r.ConfigLabel)).Distinct().Count();
        await output.WriteLineAsync(
            $"{path}: valid. experiment {spec.Experiment}: {spec.Methods.Count} method(s) × "
                + $"{points / Math.Max(1, spec.Methods.Count)} grid point(s) × {spec.Seeds.Count} seed(s) = "
                + $"{runs.Count} "
                + $"run(s) of {spec.Steps} steps."
        );
        await output.WriteLineAsync($"fingerprint {SpecFingerprint.Compute(spec)}");
        if (!listRuns)
            return 0;
        var (model, source) = SweepMemoryEstimate.ResolveModel(spec, path, modelConfig);
        await output.WriteLineAsync(
            model is null
                ? $"memory plan: {source}"
                : string.Create(
                    CultureInfo.InvariantCulture,
                    $"memory plan from {source}: {model.Parameters:N0} parameters; {SweepMemoryEstimate.ImageSide}×"
                        + $"{SweepMemoryEstimate.ImageSide} images, {SweepMemoryEstimate.PromptTextTokens} prompt "
                        + $"text tokens"
                )
        );
        foreach (var run in runs)
        {
            await output.WriteLineAsync($"  {run.RunId, -40} {run.Method, -16} {run.ConfigLabel, -32} seed {run.Seed}");
            if (model is not null)
                foreach (string line in SweepMemoryEstimate.Describe(model, run.Options, available, spec.Nodes))
                    await output.WriteLineAsync($"    {line}");
        }
        return 0;
    }
}
