namespace SaEI.Grains.Results.Statistics;

/// <summary>How the bootstrap runs.</summary>
public sealed record BootstrapOptions
{
    /// <summary>Bootstrap replicates. Default 2,000 (Efron and Tibshirani's advice for percentile intervals).</summary>
    public int Replicates { get; init; } = 2000;

    /// <summary>Seed of the resampling generator: the same seed and data give the same interval. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Coverage of the interval. Default 0.95.</summary>
    public double Confidence { get; init; } = 0.95;

    public BootstrapOptions Validate()
    {
        if (Replicates < 100)
            throw new ArgumentException($"{nameof(Replicates)} is {Replicates}; use 100 or more (default 2000).");
        if (Confidence is <= 0 or >= 1)
            throw new ArgumentException($"{nameof(Confidence)} is {Confidence}; use a value in (0, 1), e.g. 0.95.");
        return this;
    }
}

/// <summary>
/// The observed difference, its percentile interval [Low, High] (null when nothing varies to resample: one seed, no
/// per-problem data), the bootstrap standard error (the replicates' standard deviation), whether seeds and problems
/// were resampled in pairs, and what was resampled ("seeds and problems", "seeds", "problems" or "nothing").
/// </summary>
public sealed record BootstrapResult(
    double Difference,
    double? Low,
    double? High,
    double StandardError,
    bool PairedSeeds,
    bool PairedProblems,
    string Resampled
);

/// <summary>
/// Bootstrap confidence interval of mean(method) − mean(baseline), where each mean is over seeds of a seed's pass@1:
/// a two-level (hierarchical) bootstrap, seeds first, then problems within each drawn seed.
/// One replicate:
///   paired (both methods have exactly the same seeds S): draw |S| seeds from S with replacement; for each drawn s,
///     draw n problem indices with replacement (the same indices for both methods when they were evaluated on the
///     same problems — common test set — so problem difficulty cancels) and take
///     d_s = mean_i(pass_M,s,i) − mean_i(pass_B,s,i); the replicate is the mean of d_s.
///   unpaired (seed sets differ): the same for each method separately (its own seeds, its own problem draws);
///     the replicate is the difference of the two means.
/// A problem keeps its k samples together (its pass rate passes/k is the resampled unit). A seed without per-problem
/// results contributes its score as is (seed-level resampling only). The interval is the percentile interval
/// (quantiles (1 − c)/2 and (1 + c)/2 of the replicates, linear interpolation as numpy's default).
/// Decisions:
/// 1. Seeds are paired only when the seed sets are identical; a partial overlap falls back to unpaired, so no seed's
///    data is dropped.
/// 2. With one seed per method and no per-problem results nothing varies: the interval is null, not a zero-width
///    interval that would read as certainty. With one seed and per-problem results the interval covers test-set
///    sampling only (Resampled = "problems"), which callers must say.
/// 3. Seeded (<see cref="SplitMix64"/>): the same options and data give the same interval.
/// </summary>
public static class DifferenceBootstrap
{
    public static BootstrapResult Compute(
        IReadOnlyList<SeedEvaluation> method,
        IReadOnlyList<SeedEvaluation> baseline,
        BootstrapOptions? options = null
    )
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(baseline);
        options = (options ?? new BootstrapOptions()).Validate();
        if (method.Count == 0 || baseline.Count == 0)
            throw new ArgumentException(
                $"the bootstrap needs evaluations of both methods (have {method.Count} and {baseline.Count})."
            );
        foreach (var e in method.Concat(baseline))
            e.Problems?.Validate();
        var m = method.OrderBy(e => e.Seed).ToList();
        var b = baseline.OrderBy(e => e.Seed).ToList();
        bool pairedSeeds =
            m.Select(e => e.Seed).SequenceEqual(b.Select(e => e.Seed))
            && m.Select(e => e.Seed).Distinct().Count() == m.Count;
        bool pairedProblems =
            pairedSeeds
            && m.Zip(b).All(p => p.First.Problems is { } x && p.Second.Problems is { } y && x.SameProblems(y));
        double difference = m.Average(e => e.MeanPassRate) - b.Average(e => e.MeanPassRate);
        bool resampleSeeds = m.Count > 1 || b.Count > 1;
        bool resampleProblems = m.Concat(b).Any(e => e.Problems is not null);
        string resampled = (resampleSeeds, resampleProblems) switch
        {
            (true, true) => "seeds and problems",
            (true, false) => "seeds",
            (false, true) => "problems",
            _ => "nothing",
        };
        if (!resampleSeeds && !resampleProblems)
            return new BootstrapResult(difference, null, null, 0, pairedSeeds, pairedProblems, resampled);

        var random = new SplitMix64(options.Seed);
        var replicates = new double[options.Replicates];
        for (int r = 0; r < replicates.Length; r++)
            replicates[r] = pairedSeeds
                ? PairedReplicate(m, b, pairedProblems, random)
                : SeedMean(m, random) - SeedMean(b, random);
        Array.Sort(replicates);
        double tail = (1 - options.Confidence) / 2;
        double mean = replicates.Average();
        double se = Math.Sqrt(replicates.Sum(x => (x - mean) * (x - mean)) / (replicates.Length - 1));
        return new BootstrapResult(
            difference,
            Quantile(replicates, tail),
            Quantile(replicates, 1 - tail),
            se,
            pairedSeeds,
            pairedProblems,
            resampled
        );
    }

    /// <summary>Quantile q of sorted values, linear interpolation between order statistics (numpy "linear").</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0)
            throw new ArgumentException("no values.", nameof(sorted));
        double position = q * (sorted.Count - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    private static double PairedReplicate(
        List<SeedEvaluation> m,
        List<SeedEvaluation> b,
        bool pairedProblems,
        SplitMix64 random
    )
    {
        double sum = 0;
        for (int i = 0; i < m.Count; i++)
        {
            int s = random.Next(m.Count);
            if (pairedProblems)
            {
                var (pm, pb) = (m[s].Problems!, b[s].Problems!);
                double total = 0;
                for (int j = 0; j < pm.Passes.Count; j++)
                {
                    int problem = random.Next(pm.Passes.Count);
                    total += pm.PassRate(problem) - pb.PassRate(problem);
                }
                sum += total / pm.Passes.Count;
            }
            else
            {
                sum += ProblemMean(m[s], random) - ProblemMean(b[s], random);
            }
        }
        return sum / m.Count;
    }

    private static double SeedMean(List<SeedEvaluation> evaluations, SplitMix64 random)
    {
        double sum = 0;
        for (int i = 0; i < evaluations.Count; i++)
            sum += ProblemMean(evaluations[random.Next(evaluations.Count)], random);
        return sum / evaluations.Count;
    }

    /// <summary>Mean pass rate of n problems drawn with replacement (the score without per-problem results).</summary>
    private static double ProblemMean(SeedEvaluation evaluation, SplitMix64 random)
    {
        if (evaluation.Problems is not { } problems)
            return evaluation.Score;
        double total = 0;
        for (int j = 0; j < problems.Passes.Count; j++)
            total += problems.PassRate(random.Next(problems.Passes.Count));
        return total / problems.Passes.Count;
    }
}
