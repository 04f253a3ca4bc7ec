using SaEI.Gpu.Evaluation;
using SaEI.Gpu.Training;
using SaEI.Grains.Sweeps;

namespace SaEI.Grains.Experiments;

/// <summary>
/// Everything the executor and the evaluator need to know about one run, resolved and typed when the sweep is
/// launched and stored as experiments/{exp}/runs/{run}/run.json (<see cref="RunConfigurations"/>).
/// Decisions:
/// 1. The options are the <see cref="RlOptions"/> the expansion resolved (defaults → rollout → method → grid),
///    stored as JSON of that record: the trainer gets exactly them, with no key=value text in between and no key
///    that could be dropped on the way.
/// 2. The data sets are the parsed <see cref="DatasetSpec"/>s (format enum, split, families): nothing re-parses the
///    spec at run time, and the evaluator finds its benchmark here instead of expanding the sweep again.
/// 3. Written once (create-only): a run keeps the configuration it was launched with, even when a later release
///    changes a default.
/// </summary>
public sealed record RunConfiguration
{
    public required string Experiment { get; init; }
    public required string RunId { get; init; }

    /// <summary>The method's name in the spec (e.g. `saei_k2`); its kind is <see cref="RlOptions.Method"/>.</summary>
    public required string Method { get; init; }

    public required int Seed { get; init; }

    /// <summary>RL steps in total.</summary>
    public required int Steps { get; init; }

    /// <summary>The resolved, validated options the trainer runs with.</summary>
    public required RlOptions Options { get; init; }

    /// <summary>The base model (and the KL reference).</summary>
    public required ModelSpec Model { get; init; }

    public required DatasetSpec Train { get; init; }

    /// <summary>The in-domain test set (evaluated during training).</summary>
    public required DatasetSpec Test { get; init; }

    /// <summary>The out-of-domain benchmarks scored on the best in-domain checkpoint.</summary>
    public required IReadOnlyList<DatasetSpec> OutOfDomain { get; init; }

    /// <summary>The spec's evaluation sampling (eval: samples, temperature, top_p).</summary>
    public required EvaluationSettings Evaluation { get; init; }

    /// <summary>The data set a benchmark name stands for: the test set or an out-of-domain one, else null.</summary>
    public DatasetSpec? Benchmark(string name) =>
        Test.Name == name ? Test : OutOfDomain.FirstOrDefault(d => d.Name == name);

    /// <summary>
    /// The evaluation options of this run: the spec's sampling settings, the run's response length, a seed. One
    /// definition for the in-domain evaluation during training and the out-of-domain one on the best checkpoint.
    /// </summary>
    public EvaluationOptions EvaluationOptions(ulong seed) =>
        new()
        {
            SamplesPerProblem = Evaluation.Samples,
            Temperature = Evaluation.Temperature,
            TopP = Evaluation.TopP,
            MaxNewTokens = Options.MaxNewTokens,
            Seed = seed,
        };

    /// <summary>The configuration of <paramref name="run"/>, one of the runs of <paramref name="spec"/>.</summary>
    public static RunConfiguration From(RunDefinition run, SweepSpec spec) =>
        new()
        {
            Experiment = run.Experiment,
            RunId = run.RunId,
            Method = run.Method,
            Seed = run.Seed,
            Steps = run.Steps,
            Options = run.Options,
            Model = spec.Model,
            Train = spec.Data.Train,
            Test = spec.Data.Test,
            OutOfDomain =
            [
                .. RunDescriptors.OutOfDomainBenchmarks(spec).Select(name => spec.Data.Ood.First(d => d.Name == name)),
            ],
            Evaluation = new EvaluationSettings(spec.Eval.Samples, spec.Eval.Temperature, spec.Eval.TopP),
        };
}

/// <summary>The evaluation sampling of a sweep: k samples per problem at a temperature and nucleus top-p.</summary>
public sealed record EvaluationSettings(int Samples, double Temperature, double TopP);
