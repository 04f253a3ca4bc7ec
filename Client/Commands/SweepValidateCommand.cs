using SaEI.Grains.Sweeps;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei sweep validate &lt;spec.yaml&gt; [--runs [--model-config FILE] [--available GIB]]`: parses and validates a sweep
/// spec without touching storage or a cluster; prints the run count and fingerprint (and with --runs every run and its
/// memory plan, <see cref="SweepMemoryEstimate"/>), or every problem with its line.
/// Exit 0 when valid, 1 when not, 2 on bad usage. The limits are a silo's ("Saei:Specs", read from the environment,
/// e.g. Saei__Specs__MaxRuns): a spec valid here is one a silo with the same settings accepts.
/// </summary>
public static class SweepValidateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        // args: ["sweep", "validate", <spec>, (--runs), (--model-config FILE), (--available GIB)]
        var rest = args.Skip(2).ToList();
        bool listRuns = rest.Remove("--runs");
        string? modelConfig = TakeValue(rest, "--model-config");
        string? availableText = TakeValue(rest, "--available");
        long? available = null;
        if (availableText is not null)
        {
            if (!double.TryParse(availableText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double gib) || gib <= 0)
                rest.Add("-");                                                         // → usage
            else available = (long)(gib * (1L << 30));
        }
        string[] files = [.. rest];
        if (files.Length != 1 || files[0].StartsWith('-'))
        {
            Console.Error.WriteLine("usage: saei sweep validate <spec.yaml> [--runs [--model-config FILE] [--available GIB]]");
            return 2;
        }
        string path = files[0];
        SpecLimits limits;
        try
        {
            limits = SpecLimits.FromEnvironment();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new UserFacingException(e.Message, e); // an unparsable or non-positive Saei__Specs__* setting
        }
        var result = await SweepSpecParser.ParseFileAsync(path, limits);
        if (result.Spec is not { } spec)
        {
            Console.Error.WriteLine($"{path}: {result.ProblemCount} problem(s):");
            foreach (var error in result.Errors)
                Console.Error.WriteLine($"  {path}:" + (error.Line is { } line ? $"{line}:{error.Column}: " : " ") +
                                        (error.Path.Length > 0 ? $"{error.Path}: " : "") + error.Message);
            return 1;
        }
        var runs = SweepExpansion.Expand(spec, limits);
        int points = runs.Select(r => (r.Method, r.ConfigLabel)).Distinct().Count();
        Console.WriteLine($"{path}: valid. experiment {spec.Experiment}: {spec.Methods.Count} method(s) × " +
                          $"{points / Math.Max(1, spec.Methods.Count)} grid point(s) × {spec.Seeds.Count} seed(s) = {runs.Count} run(s) of {spec.Steps} steps.");
        Console.WriteLine($"fingerprint {SpecFingerprint.Compute(spec)}");
        if (!listRuns) return 0;
        var (model, source) = SweepMemoryEstimate.ResolveModel(spec, path, modelConfig);
        Console.WriteLine(model is null
            ? $"memory plan: {source}"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"memory plan from {source}: {model.Parameters:N0} parameters; {SweepMemoryEstimate.ImageSide}×{SweepMemoryEstimate.ImageSide} images, {SweepMemoryEstimate.PromptTextTokens} prompt text tokens"));
        foreach (var run in runs)
        {
            Console.WriteLine($"  {run.RunId,-40} {run.Method,-16} {run.ConfigLabel,-32} seed {run.Seed}");
            if (model is not null)
                foreach (string line in SweepMemoryEstimate.Describe(model, run.Options, available, spec.Nodes))
                    Console.WriteLine($"    {line}");
        }
        return 0;
    }

    /// <summary>Removes "<paramref name="flag"/> VALUE" from <paramref name="args"/> and returns VALUE (null when absent).</summary>
    private static string? TakeValue(List<string> args, string flag)
    {
        int i = args.IndexOf(flag);
        if (i < 0) return null;
        if (i + 1 >= args.Count) { args[i] = "-"; return null; }                       // a dangling flag → usage
        string value = args[i + 1];
        args.RemoveRange(i, 2);
        return value;
    }
}
