namespace SaEI.Grains.Results.Statistics;

/// <summary>
/// One run's evaluation of one benchmark: its training <paramref name="Seed"/>, its <paramref name="Score"/>
/// (pass@1 in [0, 1]) and, when stored, the per-problem results it is the mean of.
/// </summary>
public sealed record SeedEvaluation(int Seed, double Score, ProblemPasses? Problems = null)
{
    /// <summary>The score the bootstrap uses: mean per-problem pass rate if problems are known, else Score.</summary>
    public double MeanPassRate => Problems?.MeanPassRate ?? Score;
}

/// <summary>
/// Per-problem results of one evaluation: for problem i (id <c>Ids[i]</c>), <c>Passes[i]</c> of its
/// <paramref name="SamplesPerProblem"/> samples were correct. pass@1 = mean over problems of Passes[i] / k.
/// </summary>
public sealed record ProblemPasses(IReadOnlyList<string> Ids, IReadOnlyList<int> Passes, int SamplesPerProblem)
{
    /// <summary>Throws naming what is inconsistent.</summary>
    public ProblemPasses Validate()
    {
        if (SamplesPerProblem < 1)
            throw new ArgumentException($"samples per problem is {SamplesPerProblem}; it must be 1 or more.");
        if (Ids.Count != Passes.Count)
            throw new ArgumentException($"{Ids.Count} problem ids but {Passes.Count} pass counts; they must match.");
        if (Ids.Count == 0)
            throw new ArgumentException("no problems: an evaluation needs at least one.");
        int bad = Passes.ToList().FindIndex(p => p < 0 || p > SamplesPerProblem);
        if (bad >= 0)
            throw new ArgumentException(
                $"problem {Ids[bad]} has {Passes[bad]} passes of {SamplesPerProblem} samples; "
                    + $"must be 0..{SamplesPerProblem}."
            );
        return this;
    }

    public double MeanPassRate => Passes.Average() / SamplesPerProblem;

    /// <summary>Pass rate of problem i: Passes[i] / k.</summary>
    public double PassRate(int i) => (double)Passes[i] / SamplesPerProblem;

    /// <summary>True when both list the same problems in the same order (so they can be paired by problem).</summary>
    public bool SameProblems(ProblemPasses other) => Ids.SequenceEqual(other.Ids, StringComparer.Ordinal);
}
