using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;

namespace SaEI.Grains.Experiments;

/// <summary>Maps the expansion of a spec (<see cref="RunDefinition"/>) to the messages the grains exchange.</summary>
public static class RunDescriptors
{
    public static RunDescriptor From(
        RunDefinition run,
        SweepSpec spec,
        IReadOnlyDictionary<string, string> executorOptions
    )
    {
        return new RunDescriptor
        {
            ExperimentId = run.Experiment,
            RunId = run.RunId,
            Method = run.Method,
            ConfigKey = run.ConfigLabel,
            Seed = run.Seed,
            Steps = run.Steps,
            CheckpointEvery = Math.Max(1, run.CheckpointEvery),
            KeepLast = run.KeepLast,
            EvalEvery = Math.Max(1, run.EvalEvery),
            MaxFailures = run.MaxFailures,
            // The RL options travel typed in run.json (Configuration); only the executor's own options are text.
            Options = new Dictionary<string, string>(executorOptions),
            Configuration = BlobPaths.RunConfiguration(run.Experiment, run.RunId),
            Benchmarks = OutOfDomainBenchmarks(spec),
        };
    }

    /// <summary>The benchmarks scored on the best in-domain checkpoint: eval.benchmarks (or every ood set) minus the
    /// in-domain test set.</summary>
    public static IReadOnlyList<string> OutOfDomainBenchmarks(SweepSpec spec)
    {
        var names = spec.Eval.Benchmarks.Count > 0 ? spec.Eval.Benchmarks : spec.Data.Ood.Select(o => o.Name).ToList();
        // A concrete List, not a collection expression: grain state is plain JSON without type names
        // (SiloConfiguration), and a List reads back as itself whatever the serializer's settings.
        return names.Where(n => n != spec.Data.Test.Name).Distinct(StringComparer.Ordinal).ToList();
    }
}
