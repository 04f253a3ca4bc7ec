using SaEI.Grains.Sweeps;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei sweep validate &lt;spec.yaml&gt; [--runs]`: parses and validates a sweep spec without touching storage or a
/// cluster; prints the run count and fingerprint (and every run with --runs), or every problem with its line.
/// Exit 0 when valid, 1 when not, 2 on bad usage. The limits are a silo's ("Saei:Specs", read from the environment,
/// e.g. Saei__Specs__MaxRuns): a spec valid here is one a silo with the same settings accepts.
/// </summary>
public static class SweepValidateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        // args: ["sweep", "validate", <spec>, (--runs)]
        string[] rest = args.Skip(2).ToArray();
        bool listRuns = rest.Contains("--runs");
        string[] files = rest.Where(a => a != "--runs").ToArray();
        if (files.Length != 1 || files[0].StartsWith('-'))
        {
            Console.Error.WriteLine("usage: saei sweep validate <spec.yaml> [--runs]");
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
        if (listRuns)
            foreach (var run in runs)
                Console.WriteLine($"  {run.RunId,-40} {run.Method,-16} {run.ConfigLabel,-32} seed {run.Seed}");
        return 0;
    }
}
