using SaEI.Grains.Results;

namespace SaEI.Grains.Tests.Results;

public sealed class ResultAggregationTests
{
    [Fact]
    public void Mean_and_sample_std_over_seeds_by_hand()
    {
        // Scores 0.55, 0.56, 0.57: mean 0.56; deviations −0.01, 0, +0.01; Σd² = 0.0002; /(n−1 = 2) = 0.0001; std =
        // 0.01. Scores 0.60, 0.64: mean 0.62; Σd² = 0.0008; /(1) → std = √0.0008 = 0.028284...
        var rows = ResultAggregation.Aggregate([
            new("saei", "default", 1, "geometry3k", 0.55),
            new("saei", "default", 2, "geometry3k", 0.56),
            new("saei", "default", 3, "geometry3k", 0.57),
            new("grpo", "default", 1, "geometry3k", 0.60),
            new("grpo", "default", 2, "geometry3k", 0.64),
            new("grpo", "default", 1, "mathvista", 0.50),
        ]);
        Assert.Equal(
            [("grpo", "geometry3k"), ("grpo", "mathvista"), ("saei", "geometry3k")],
            rows.Select(r => (r.Method, r.Benchmark))
        );
        var saei = rows[2];
        Assert.Equal(3, saei.Seeds);
        Assert.Equal(0.56, saei.Mean, 12);
        Assert.Equal(0.01, saei.Std, 12);
        Assert.Equal(0.62, rows[0].Mean, 12);
        Assert.Equal(Math.Sqrt(0.0008), rows[0].Std, 12);
        Assert.True(rows[1].SingleSeed);
        Assert.Equal(0, rows[1].Std);
        Assert.False(saei.SingleSeed);
    }

    [Fact]
    public void Configs_of_one_method_aggregate_separately()
    {
        var rows = ResultAggregation.Aggregate([
            new("saei", "learning_rate=1e-4", 1, "t", 0.1),
            new("saei", "learning_rate=3e-4", 1, "t", 0.3),
        ]);
        Assert.Equal([0.1, 0.3], rows.Select(r => r.Mean));
    }

    [Fact]
    public void Duplicates_and_non_finite_scores_are_refused_naming_the_result()
    {
        var duplicate = Assert.Throws<ArgumentException>(() =>
            ResultAggregation.Aggregate([new("saei", "default", 1, "t", 0.1), new("saei", "default", 1, "t", 0.2)])
        );
        Assert.Contains("saei/default/seed 1/t appears twice", duplicate.Message, StringComparison.Ordinal);
        var nan = Assert.Throws<ArgumentException>(() =>
            ResultAggregation.Aggregate([new("saei", "default", 1, "t", double.NaN)])
        );
        Assert.Contains("non-finite", nan.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ood_average_is_taken_per_seed_first_then_over_seeds()
    {
        // Seed 1: (0.4 + 0.6)/2 = 0.5; seed 2: (0.5 + 0.7)/2 = 0.6; seed 3 lacks b → left out. Mean 0.55, std
        // √(0.005/1).
        RunResult[] results =
        [
            new("m", "default", 1, "a", 0.4),
            new("m", "default", 1, "b", 0.6),
            new("m", "default", 2, "a", 0.5),
            new("m", "default", 2, "b", 0.7),
            new("m", "default", 3, "a", 0.9),
        ];
        var average = ResultAggregation.AveragePerSeed(results, "OOD Avg.", ["a", "b"]);
        Assert.Equal([0.5, 0.6], average.OrderBy(r => r.Seed).Select(r => Math.Round(r.Score, 12)));
        var row = Assert.Single(ResultAggregation.Aggregate(average));
        Assert.Equal(0.55, row.Mean, 12);
        Assert.Equal(Math.Sqrt(0.005), row.Std, 12);
    }
}
