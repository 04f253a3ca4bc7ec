using SaEI.Grains.Results.Statistics;

namespace SaEI.Grains.Tests.Results.Statistics;

public sealed class DifferenceBootstrapTests
{
    private static SeedEvaluation Eval(int seed, int k, params int[] passes) =>
        new(seed, passes.Average() / k, new ProblemPasses([.. passes.Select((_, i) => $"p{i}")], passes, k));

    [Fact]
    public void Two_problems_one_seed_by_hand()
    {
        // Paired by problem: d_i = [1 − 0, 0 − 0] = [1, 0]. A replicate is the mean of 2 draws of d: 0, 0.5 or 1 with
        // probabilities 1/4, 1/2, 1/4 → the 2.5% and 97.5% quantiles are 0 and 1, SE = √(1/8) = 0.354.
        var result = DifferenceBootstrap.Compute([Eval(1, 1, 1, 0)], [Eval(1, 1, 0, 0)]);
        Assert.Equal(0.5, result.Difference, 12);
        Assert.Equal(0, result.Low);
        Assert.Equal(1, result.High);
        Assert.Equal(Math.Sqrt(1.0 / 8), result.StandardError, 1);
        Assert.True(result.PairedSeeds);
        Assert.True(result.PairedProblems);
        Assert.Equal("problems", result.Resampled);
    }

    [Fact]
    public void Percentile_uses_numpy_linear_interpolation()
    {
        // numpy.quantile([1, 2, 3, 4, 10], [0.025, 0.975]) = [1.1, 9.4].
        Assert.Equal(1.1, DifferenceBootstrap.Quantile([1, 2, 3, 4, 10], 0.025), 12);
        Assert.Equal(9.4, DifferenceBootstrap.Quantile([1, 2, 3, 4, 10], 0.975), 12);
    }

    [Fact]
    public void Same_seed_same_interval_and_another_seed_another()
    {
        var (method, baseline) = Simulate(new SplitMix64(7), problems: 64, seeds: 3, k: 4, trueDifference: 0.05);
        var first = DifferenceBootstrap.Compute(method, baseline, new BootstrapOptions { Seed = 3 });
        var again = DifferenceBootstrap.Compute(method, baseline, new BootstrapOptions { Seed = 3 });
        var other = DifferenceBootstrap.Compute(method, baseline, new BootstrapOptions { Seed = 4 });
        Assert.Equal(first, again);
        Assert.NotEqual(first.Low, other.Low);
        Assert.Equal(first.Difference, other.Difference);
        Assert.Equal("seeds and problems", first.Resampled);
    }

    [Fact]
    public void The_interval_covers_the_true_difference_in_a_simulation()
    {
        // 40 simulated experiments: per-problem pass probabilities drawn fresh from U(0.2, 0.8) each time (a new
        // test set), the method adds 0.05 to every problem, each seed shifts its run by N(0, 0.02²), k = 4 samples
        // per problem. A 95% interval should miss 0.05 about twice in 40; more than 6 misses (P < 0.5% if coverage
        // were 95%) fails.
        var random = new SplitMix64(2026);
        int covered = 0;
        for (int experiment = 0; experiment < 40; experiment++)
        {
            var (method, baseline) = Simulate(random, problems: 96, seeds: 4, k: 4, trueDifference: 0.05);
            var result = DifferenceBootstrap.Compute(
                method,
                baseline,
                new BootstrapOptions { Seed = (ulong)experiment, Replicates = 1000 }
            );
            if (result.Low <= 0.05 && 0.05 <= result.High)
                covered++;
        }
        Assert.InRange(covered, 34, 40);
    }

    [Fact]
    public void Pairing_by_problem_narrows_the_interval()
    {
        // The same data with problem ids that do not match cannot be paired by problem: problem difficulty no longer
        // cancels, so the interval is wider. This is what common test sets (and common random numbers) buy. Seeds do
        // not shift runs here and problems range from 5% to 95% solved, so problems are the main source of variation.
        var (method, baseline) = Simulate(
            new SplitMix64(11),
            problems: 128,
            seeds: 3,
            k: 4,
            trueDifference: 0.03,
            seedSpread: 0,
            difficultySpread: 0.9
        );
        var unpairedBaseline = baseline
            .Select(e =>
                e with
                {
                    Problems = e.Problems! with { Ids = [.. e.Problems.Ids.Select(id => "other-" + id)] },
                }
            )
            .ToList();
        var paired = DifferenceBootstrap.Compute(method, baseline);
        var unpaired = DifferenceBootstrap.Compute(method, unpairedBaseline);
        Assert.True(paired.PairedProblems);
        Assert.False(unpaired.PairedProblems);
        Assert.True(
            paired.High - paired.Low < 0.8 * (unpaired.High - unpaired.Low),
            $"paired width {paired.High - paired.Low} should be well below unpaired {unpaired.High - unpaired.Low}"
        );
    }

    [Fact]
    public void Degenerate_inputs_give_clear_answers()
    {
        // One seed each and only scores: nothing to resample, so no interval (not a zero-width one).
        var none = DifferenceBootstrap.Compute([new SeedEvaluation(1, 0.6)], [new SeedEvaluation(1, 0.5)]);
        Assert.Equal(0.1, none.Difference, 12);
        Assert.Null(none.Low);
        Assert.Equal("nothing", none.Resampled);

        // Zero variance: every seed the same difference → a zero-width interval at it.
        var flat = DifferenceBootstrap.Compute([new(1, 0.5), new(2, 0.5)], [new(1, 0.5), new(2, 0.5)]);
        Assert.Equal((0.0, 0.0, 0.0), (flat.Low!.Value, flat.High!.Value, flat.StandardError));

        // Different seed sets: unpaired, every seed used.
        var unpaired = DifferenceBootstrap.Compute([new(1, 0.6), new(2, 0.7)], [new(1, 0.5), new(3, 0.5), new(4, 0.5)]);
        Assert.False(unpaired.PairedSeeds);
        Assert.Equal(0.15, unpaired.Difference, 12);

        Assert.Contains(
            "both methods",
            Assert.Throws<ArgumentException>(() => DifferenceBootstrap.Compute([new(1, 0.5)], [])).Message
        );
        Assert.Contains(
            "passes of 4",
            Assert
                .Throws<ArgumentException>(() => DifferenceBootstrap.Compute([Eval(1, 4, 5)], [Eval(1, 4, 1)]))
                .Message
        );
    }

    /// <summary>Seeds × problems × k Bernoulli samples for a baseline and a method that adds <paramref
    /// name="trueDifference"/>.</summary>
    internal static (List<SeedEvaluation> Method, List<SeedEvaluation> Baseline) Simulate(
        SplitMix64 random,
        int problems,
        int seeds,
        int k,
        double trueDifference,
        double seedSpread = 0.02,
        double difficultySpread = 0.6
    )
    {
        double[] difficulty =
        [
            .. Enumerable.Range(0, problems).Select(_ => 0.5 + (difficultySpread * (random.NextDouble() - 0.5))),
        ];
        string[] ids = [.. Enumerable.Range(0, problems).Select(i => $"q{i}")];
        SeedEvaluation Run(int seed, double shift)
        {
            double seedShift = seedSpread * Gaussian(random);
            int[] passes =
            [
                .. difficulty.Select(p =>
                    Enumerable.Range(0, k).Count(_ => random.NextDouble() < Math.Clamp(p + shift + seedShift, 0, 1))
                ),
            ];
            return new SeedEvaluation(seed, passes.Average() / k, new ProblemPasses(ids, passes, k));
        }
        return (
            [.. Enumerable.Range(1, seeds).Select(s => Run(s, trueDifference))],
            [.. Enumerable.Range(1, seeds).Select(s => Run(s, 0))]
        );
    }

    private static double Gaussian(SplitMix64 random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
