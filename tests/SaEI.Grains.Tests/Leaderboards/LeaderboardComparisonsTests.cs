using SaEI.Grains.Leaderboards;
using SaEI.Grains.Results;
using SaEI.Grains.Results.Statistics;
using SaEI.Grains.Runs;

namespace SaEI.Grains.Tests.Leaderboards;

public sealed class LeaderboardComparisonsTests
{
    private static RunScores Run(string method, int seed, double inDomain, double? ood = null, string config = "") =>
        new(
            $"{method}-{config}-s{seed}",
            method,
            config,
            seed,
            ood is { } o
                ? new Dictionary<string, double> { [MetricNames.InDomain] = inDomain, ["hard"] = o }
                : new Dictionary<string, double> { [MetricNames.InDomain] = inDomain }
        );

    [Fact]
    public void Per_benchmark_each_method_against_the_baseline_with_problems_where_stored()
    {
        // In-domain: saei has per-problem results (4 problems, k = 2) paired with grpo's on the same problems.
        // Δ by hand: saei seeds 6/8 and 5/8 → mean 0.6875; grpo 4/8 and 4/8 → 0.5; Δ = 0.1875.
        var passes = new Dictionary<string, ProblemPasses>
        {
            ["saei--s1"] = new(["a", "b", "c", "d"], [2, 2, 1, 1], 2),
            ["saei--s2"] = new(["a", "b", "c", "d"], [2, 1, 1, 1], 2),
            ["grpo--s1"] = new(["a", "b", "c", "d"], [1, 1, 1, 1], 2),
            ["grpo--s2"] = new(["a", "b", "c", "d"], [2, 0, 1, 1], 2),
        };
        RunScores[] runs =
        [
            Run("saei", 1, 0.75, 0.3),
            Run("saei", 2, 0.625, 0.4),
            Run("grpo", 1, 0.5, 0.3),
            Run("grpo", 2, 0.5, 0.3),
            Run("kl_cov", 1, 0.5),
        ];
        var comparisons = LeaderboardComparisons.Compare(
            runs,
            "grpo",
            (run, name) => name == MetricNames.InDomain ? passes.GetValueOrDefault(run.RunId) : null
        );

        Assert.Equal(
            [(MetricNames.InDomain, "kl_cov"), (MetricNames.InDomain, "saei"), ("hard", "saei")],
            comparisons.Select(c => (c.Benchmark, c.Method))
        );
        var saei = comparisons[1];
        Assert.Equal(0.1875, saei.Difference!.Value, 12);
        Assert.Equal(
            ("seeds and problems", true, true, 4),
            (saei.Resampled, saei.PairedSeeds, saei.PairedProblems, saei.Problems)
        );
        Assert.NotNull(saei.WelchP);
        var hard = comparisons[2];
        Assert.Equal(0.05, hard.Difference!.Value, 12);
        Assert.Equal("seeds", hard.Resampled);
        // kl_cov: one seed without problems against two grpo seeds: the seeds differ, unpaired; no Welch (one seed).
        var klCov = comparisons[0];
        Assert.False(klCov.PairedSeeds);
        Assert.Null(klCov.WelchP);
        Assert.Contains("two or more seeds", klCov.Note);
        Assert.Equal(
            LeaderboardComparisons.Compare(
                runs,
                "grpo",
                (run, name) => name == MetricNames.InDomain ? passes.GetValueOrDefault(run.RunId) : null
            ),
            comparisons
        );
    }

    [Fact]
    public void A_missing_baseline_is_said_not_computed()
    {
        var comparisons = LeaderboardComparisons.Compare(
            [Run("saei", 1, 0.6), Run("saei", 2, 0.7)],
            "grpo",
            (_, _) => null
        );
        var only = Assert.Single(comparisons);
        Assert.Equal("no-baseline", only.Verdict);
        Assert.Null(only.Difference);
        Assert.Equal("no grpo results on in-domain to compare with", only.VerdictText);
        Assert.Equal(
            "saei vs grpo on in-domain: no grpo results on in-domain to compare with.",
            ComparisonTable.VerdictLine(only)
        );
    }

    [Fact]
    public void A_baseline_with_several_configs_is_matched_by_config_key_or_noted()
    {
        RunScores[] runs =
        [
            Run("grpo", 1, 0.5, config: "lr=1"),
            Run("grpo", 1, 0.4, config: "lr=2"),
            Run("saei", 1, 0.6, config: "lr=2"),
            Run("saei", 1, 0.7, config: "lr=3"),
        ];
        var comparisons = LeaderboardComparisons.Compare(runs, "grpo", (_, _) => null);
        Assert.Equal(
            [("lr=2", "lr=2", 0.2), ("lr=3", "lr=1", 0.2)],
            comparisons.Select(c => (c.ConfigKey, c.BaselineConfigKey, Math.Round(c.Difference!.Value, 12)))
        );
        Assert.Contains("grpo has 2 configs; compared with 'lr=1'", comparisons[1].Note);
        Assert.StartsWith(
            "saei (lr=2) vs grpo on in-domain: ",
            ComparisonTable.VerdictLines(comparisons)[0],
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Table_and_verdict_line_show_points_interval_p_and_mde()
    {
        var c = new LeaderboardComparison(
            MetricNames.InDomain,
            "saei",
            "",
            "grpo",
            "",
            5,
            5,
            512,
            0.031,
            0.0085,
            0.0532,
            0.011,
            2.9,
            7.8,
            0.0207,
            0.0308,
            "better",
            "better",
            true,
            true,
            "seeds and problems",
            null
        );
        Assert.Equal(
            "saei vs grpo on in-domain: better, +3.10 points [+0.85, +5.32] (95% CI), Welch p 0.021, 5 vs 5 seeds, "
                + "512 problems.",
            ComparisonTable.VerdictLine(c)
        );
        string table = ComparisonTable.ToMarkdown([c]);
        Assert.Contains(
            "| Benchmark | Method | Δ vs grpo | 95% CI | Welch p | MDE | Seeds | Verdict |",
            table,
            StringComparison.Ordinal
        );
        Assert.Contains(
            "| in-domain | saei | +3.10 | [+0.85, +5.32] | 0.021 | 3.08 | 5/5 | better |",
            table,
            StringComparison.Ordinal
        );
    }
}
