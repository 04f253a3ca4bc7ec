using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using SaEI.Gpu.Training;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// Expands a spec into its runs, deterministically: methods by name (ordinal), then grid points (axes by key,
/// values in spec order, last axis fastest), then seeds ascending. Options resolve as RlOptions defaults → `rollout`
/// → the method's options → the grid point, with the method kind last. The result depends on the spec's content,
/// not on YAML key order, so relaunching the same spec yields the same ids.
/// </summary>
public static class SweepExpansion
{
    /// <summary>
    /// The runs of <paramref name="spec"/>; throws <see cref="SweepSpecException"/> (before expanding anything) when
    /// they would exceed <see cref="SpecLimits.MaxRuns"/> of <paramref name="limits"/> (default <see
    /// cref="SpecLimits.Default"/>).
    /// </summary>
    public static IReadOnlyList<RunDefinition> Expand(SweepSpec spec, SpecLimits? limits = null)
    {
        limits ??= SpecLimits.Default;
        if (CheckRunCount(spec.Methods.Count, spec.Grid, spec.Seeds.Count, limits) is { } tooMany)
            throw new SweepSpecException(spec.Experiment, [new SpecError("grid", tooMany)]);
        var runs = new List<RunDefinition>();
        var errors = new List<SpecError>();
        var points = GridPoints(spec.Grid);
        foreach (var method in spec.Methods.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            // Problems of the method's own options are reported once, not once per grid point.
            var methodProblems =
                Resolve(spec, method, [], errors, "")?.Validate().Select(p => p.ToString()).ToHashSet() ?? [];
            foreach (var point in points)
            {
                string label = point.Count == 0 ? "default" : string.Join(",", point.Select(p => $"{p.Key}={p.Value}"));
                var options = Resolve(spec, method, point, errors, point.Count > 0 ? $"(grid point {label}) " : "");
                if (options is null)
                    continue;
                foreach (var problem in options.Validate())
                {
                    bool own = methodProblems.Contains(problem.ToString());
                    if (own && point != points[0])
                        continue;
                    errors.Add(
                        new SpecError(
                            $"methods.{method.Name}.{problem.Key}",
                            (own || point.Count == 0 ? "" : $"(grid point {label}) ") + problem.Message
                        )
                    );
                }
                string resolved = OptionBinder.Describe(options) + $"\nsteps={spec.Steps}";
                string cfg8 = Hex8($"{spec.Experiment}\n{method.Name}\n{resolved}");
                foreach (int seed in spec.Seeds.Order())
                {
                    runs.Add(
                        new RunDefinition
                        {
                            Experiment = spec.Experiment,
                            RunId = $"{method.Name}-{cfg8}-s{seed}",
                            Method = method.Name,
                            ConfigLabel = label,
                            GridPoint = point.ToDictionary(p => p.Key, p => p.Value),
                            Seed = seed,
                            Steps = spec.Steps,
                            Options = options,
                            ResolvedConfig = resolved,
                            EvalEvery = spec.Eval.Every,
                            CheckpointEvery = spec.Checkpoint.Every,
                            KeepLast = spec.Checkpoint.KeepLast,
                            MaxFailures = spec.MaxFailures,
                        }
                    );
                }
            }
        }
        if (errors.Count > 0)
            throw new SweepSpecException(spec.Experiment, errors.Distinct().ToList());
        return runs;
    }

    /// <summary>methods × grid points × seeds, exact (a grid of 12 axes of 1,000 values is 10^36 points: no
    /// overflow).</summary>
    public static BigInteger CountRuns(int methods, IReadOnlyList<GridAxis> grid, int seeds) =>
        grid.Aggregate(new BigInteger(methods) * seeds, (product, axis) => product * axis.Values.Count);

    /// <summary>An error naming the count, the limit and the setting when the runs exceed <see
    /// cref="SpecLimits.MaxRuns"/>; else null.</summary>
    public static string? CheckRunCount(int methods, IReadOnlyList<GridAxis> grid, int seeds, SpecLimits limits)
    {
        BigInteger runs = CountRuns(methods, grid, seeds);
        if (runs <= limits.MaxRuns)
            return null;
        BigInteger points = grid.Aggregate(BigInteger.One, (product, axis) => product * axis.Values.Count);
        return $"the sweep expands to {runs} runs ({methods} method(s) × {points} grid point(s) × {seeds} seed(s)); "
            + $"at most {limits.MaxRuns} "
            + $"are allowed ({SpecLimits.Setting(nameof(SpecLimits.MaxRuns))}). Remove grid values, methods or "
            + $"seeds, or split the sweep.";
    }

    private static RlOptions? Resolve(
        SweepSpec spec,
        MethodSpec method,
        IReadOnlyList<KeyValuePair<string, string>> point,
        List<SpecError> errors,
        string context
    )
    {
        try
        {
            return OptionBinder.Apply(new RlOptions(), spec.Rollout.Concat(method.Options).Concat(point)) with
            {
                Method = method.Kind,
            };
        }
        catch (ArgumentException e)
        {
            errors.Add(new SpecError($"methods.{method.Name}", context + e.Message));
            return null;
        }
    }

    /// <summary>The cross product of the axes (sorted by key); one empty point when there is no grid.</summary>
    internal static IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> GridPoints(IReadOnlyList<GridAxis> grid)
    {
        IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> points =
        [
            [],
        ];
        foreach (var axis in grid.OrderBy(a => a.Key, StringComparer.Ordinal))
            points = points
                .SelectMany(p =>
                    axis.Values.Select(v => (IReadOnlyList<KeyValuePair<string, string>>)[.. p, new(axis.Key, v)])
                )
                .ToList();
        return points;
    }

    internal static string Hex8(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];
}
