using System.Diagnostics;
using SaEI.Gpu.Evaluation;
using SaEI.Gpu.Models;
using SaEI.Gpu.Tasks.Data;
using SaEI.Grains.Evaluation;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Training;

/// <summary>
/// The in-domain evaluation during training (every <c>eval.every</c> steps, the last step, and step 0 — the base
/// model before any update, the first point of the accuracy curve and a candidate for best in-domain): pass@1 and
/// format rate for the progress report, and the per-problem pass counts stored as the "in-domain" results of that
/// step (<see cref="ProblemResultsStore"/>) for the leaderboard's bootstrap; its wall time as timing_s/eval (what
/// the evaluation budget costs, beside the trainer's timing_s/ metrics).
/// Decision: sampling uses the common evaluation seed (<see cref="EvaluationSeeds.Common"/>) at every step and in
/// every run, so differences between methods or steps are not differences of sampling noise.
/// </summary>
public static class InDomainEvaluation
{
    public static async Task<Dictionary<string, double>> RunAsync(
        ResilientBlobStore blobs,
        RunDescriptor run,
        RunConfiguration configuration,
        IPolicyModel policy,
        IReadOnlyList<VisualProblem> test,
        int step,
        CancellationToken cancellation
    )
    {
        var options = configuration.EvaluationOptions(EvaluationSeeds.Common);
        long started = Stopwatch.GetTimestamp();
        var result = Evaluator.Evaluate(policy, configuration.Test.Name, test, options);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await new ProblemResultsStore(blobs).WriteAsync(
            run.ExperimentId,
            run.RunId,
            step,
            MetricNames.InDomain,
            result,
            options.Seed,
            cancellation
        );
        return new Dictionary<string, double>
        {
            [MetricNames.Accuracy] = result.Overall.Pass1,
            ["val/format_rate"] = result.Overall.FormatRate,
            ["timing_s/eval"] = seconds,
        };
    }
}
