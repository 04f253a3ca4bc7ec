namespace SaEI.Gpu.Evaluation;

/// <summary>
/// Scores of one benchmark (or one family of it) over k samples per problem:
///   pass@1 = accuracy = (1 / (n·k)) Σ_i Σ_j acc_ij     (pass@1 estimated by averaging k samples)
///   formatRate = (1 / (n·k)) Σ_i Σ_j format_ij
///   pass@k = (1 / n) Σ_i max_j acc_ij
/// </summary>
public sealed record BenchmarkScores(
    int Problems,
    int SamplesPerProblem,
    double Pass1,
    double FormatRate,
    double PassAtK
)
{
    /// <summary>Scores of graded samples: grades[i][j] is sample j of problem i.</summary>
    public static BenchmarkScores Of(IReadOnlyList<IReadOnlyList<ResponseGrade>> grades, int samplesPerProblem)
    {
        ArgumentNullException.ThrowIfNull(grades);
        if (grades.Count == 0)
            return new BenchmarkScores(0, samplesPerProblem, 0, 0, 0);
        double samples = grades.Sum(problem => problem.Count);
        return new BenchmarkScores(
            grades.Count,
            samplesPerProblem,
            grades.Sum(problem => problem.Sum(grade => grade.Accuracy)) / samples,
            grades.Sum(problem => problem.Sum(grade => grade.Format)) / samples,
            grades.Average(problem => problem.Max(grade => grade.Accuracy))
        );
    }
}

/// <summary>A benchmark's scores overall and per family, and every graded generation.</summary>
public sealed record BenchmarkResult(
    string Benchmark,
    BenchmarkScores Overall,
    IReadOnlyDictionary<string, BenchmarkScores> Families,
    IReadOnlyList<GenerationRecord> Generations
)
{
    /// <summary>
    /// Per problem, in evaluation order: its id and how many of its k samples were correct (the unit the bootstrap
    /// over problems resamples). Problems are identified by id; a duplicate id is an error naming it.
    /// </summary>
    public IReadOnlyList<(string ProblemId, int Passes)> ProblemPasses()
    {
        var passes = new List<(string, int)>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in Generations)
        {
            if (!index.TryGetValue(record.ProblemId, out int i))
            {
                if (record.Sample != 0)
                    throw new InvalidDataException(
                        $"{Benchmark}: problem id '{record.ProblemId}' is not contiguous; ids must be unique."
                    );
                index[record.ProblemId] = i = passes.Count;
                passes.Add((record.ProblemId, 0));
            }
            else if (i != passes.Count - 1)
            {
                throw new InvalidDataException(
                    $"{Benchmark}: problem id '{record.ProblemId}' appears twice; ids must be unique."
                );
            }
            if (record.Accuracy >= 0.5)
                passes[i] = (record.ProblemId, passes[i].Item2 + 1);
        }
        return passes;
    }

    /// <summary>One line for logs: "name: pass@1 0.412, format 0.98, pass@4 0.71 (n=128, k=4)".</summary>
    public string Summary() =>
        string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{Benchmark}: pass@1 {Overall.Pass1:0.000}, format {Overall.FormatRate:0.000}, "
                + $"pass@{Overall.SamplesPerProblem} {Overall.PassAtK:0.000} (n={Overall.Problems}, "
                + $"k={Overall.SamplesPerProblem})"
        );
}
