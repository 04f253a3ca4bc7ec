namespace SaEI.Gpu.Evaluation;

/// <summary>
/// Scores of one benchmark (or one family of it) over k samples per problem:
///   pass@1 = accuracy = (1 / (n·k)) Σ_i Σ_j acc_ij     (pass@1 estimated by averaging k samples)
///   formatRate = (1 / (n·k)) Σ_i Σ_j format_ij
///   pass@k = (1 / n) Σ_i max_j acc_ij
/// </summary>
public sealed record BenchmarkScores(int Problems, int SamplesPerProblem, double Pass1, double FormatRate, double PassAtK)
{
    /// <summary>Scores of graded samples: grades[i][j] is sample j of problem i.</summary>
    public static BenchmarkScores Of(IReadOnlyList<IReadOnlyList<ResponseGrade>> grades, int samplesPerProblem)
    {
        ArgumentNullException.ThrowIfNull(grades);
        if (grades.Count == 0) return new BenchmarkScores(0, samplesPerProblem, 0, 0, 0);
        double samples = grades.Sum(problem => problem.Count);
        return new BenchmarkScores(
            grades.Count,
            samplesPerProblem,
            grades.Sum(problem => problem.Sum(grade => grade.Accuracy)) / samples,
            grades.Sum(problem => problem.Sum(grade => grade.Format)) / samples,
            grades.Average(problem => problem.Max(grade => grade.Accuracy)));
    }
}

/// <summary>A benchmark's scores overall and per family, and every graded generation.</summary>
public sealed record BenchmarkResult(
    string Benchmark,
    BenchmarkScores Overall,
    IReadOnlyDictionary<string, BenchmarkScores> Families,
    IReadOnlyList<GenerationRecord> Generations)
{
    /// <summary>One line for logs: "name: pass@1 0.412, format 0.98, pass@4 0.71 (n=128, k=4)".</summary>
    public string Summary() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Benchmark}: pass@1 {Overall.Pass1:0.000}, format {Overall.FormatRate:0.000}, pass@{Overall.SamplesPerProblem} {Overall.PassAtK:0.000} (n={Overall.Problems}, k={Overall.SamplesPerProblem})");
}
