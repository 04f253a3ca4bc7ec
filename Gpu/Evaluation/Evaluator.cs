using SaEI.Gpu.Models;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tokenization;
using static TorchSharp.torch;

namespace SaEI.Gpu.Evaluation;

/// <summary>
/// Benchmark evaluation (docs/algorithm.md §7): k responses per problem sampled at the validation temperature and
/// top-p, each graded for accuracy and format (<see cref="ResponseGrade"/>); pass@1 is the mean accuracy over the
/// n·k samples, reported overall and per family, with every generation kept for the JSONL file.
/// Decisions:
/// 1. Each batch of problems gets its own generator seeded by <see cref="EvaluationSeeds.ForBatch"/> from
///    (<see cref="EvaluationOptions.Seed"/>, benchmark, batch index): common random numbers, so two models (two
///    methods, or two checkpoints) evaluated on the same benchmark draw the same random numbers for the same problem
///    and sample, and one batch's generation length cannot shift the next batch's draws.
/// 2. The model is put in eval mode and left there (callers that train afterwards switch it back).
/// 3. Images are resized to the model's input size here (bicubic, <see cref="ImageTensors"/>).
/// </summary>
public static class Evaluator
{
    /// <summary>Samples, grades and scores <paramref name="problems"/> as the benchmark <paramref
    /// name="benchmark"/>.</summary>
    public static BenchmarkResult Evaluate(
        IPolicyModel model,
        string benchmark,
        IReadOnlyList<VisualProblem> problems,
        EvaluationOptions options
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(benchmark);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        model.SetTraining(false);
        var generationOptions = options.ToGenerationOptions();
        int k = options.SamplesPerProblem;
        var records = new List<GenerationRecord>(problems.Count * k);
        var grades = new List<ResponseGrade[]>(problems.Count);
        for (int start = 0; start < problems.Count; start += options.BatchSize)
        {
            var batch = problems.Skip(start).Take(options.BatchSize).ToList();
            ulong batchSeed = EvaluationSeeds.ForBatch(options.Seed, benchmark, start / options.BatchSize);
            using var generator = new Generator(batchSeed, CPU);
            string[] responses = SampleResponses(model, batch, generationOptions, generator); // [B·k], row b·k + j
            for (int b = 0; b < batch.Count; b++)
            {
                var problem = batch[b];
                var problemGrades = new ResponseGrade[k];
                for (int j = 0; j < k; j++)
                {
                    string response = responses[(b * k) + j];
                    problemGrades[j] = ResponseGrade.Of(problem, response);
                    records.Add(
                        new GenerationRecord(
                            benchmark,
                            problem.Id,
                            problem.Family,
                            j,
                            problem.Problem + EasyR1Prompt.Instruction,
                            response,
                            problem.Answer,
                            problemGrades[j].Accuracy,
                            problemGrades[j].Format
                        )
                    );
                }
                grades.Add(problemGrades);
            }
        }
        var families = problems
            .Select((problem, i) => (problem.Family, Grades: (IReadOnlyList<ResponseGrade>)grades[i]))
            .GroupBy(item => item.Family, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .ToDictionary(
                group => group.Key,
                group => BenchmarkScores.Of([.. group.Select(item => item.Grades)], k),
                StringComparer.Ordinal
            );
        return new BenchmarkResult(benchmark, BenchmarkScores.Of(grades, k), families, records);
    }

    /// <summary>Evaluates, then writes the generations to <paramref name="generationsPath"/> as JSONL.</summary>
    public static BenchmarkResult Evaluate(
        IPolicyModel model,
        string benchmark,
        IReadOnlyList<VisualProblem> problems,
        EvaluationOptions options,
        string generationsPath
    )
    {
        var result = Evaluate(model, benchmark, problems, options);
        GenerationRecord.WriteJsonl(generationsPath, result.Generations);
        return result;
    }

    /// <summary>k decoded responses per problem, row b·k + j = sample j of problem b.</summary>
    private static string[] SampleResponses(
        IPolicyModel model,
        IReadOnlyList<VisualProblem> batch,
        GenerationOptions options,
        Generator generator
    )
    {
        using var scope = NewDisposeScope();
        var images = ModelInputs.ToTensors(model, [.. batch.Select(problem => problem.Image)]); // B × [3,h,w]
        using var prompts = PromptBatch.Create(model, images, [.. batch.Select(problem => problem.Problem)]);
        using var rollout = Generation.Generate(model, prompts, options, generator);
        long rows = rollout.ResponseIds.shape[0],
            length = rollout.ResponseIds.shape[1];
        long[] ids = rollout.ResponseIds.cpu().data<long>().ToArray(); // [N·Tr]
        var responses = new string[rows];
        var rowIds = new int[length];
        for (long n = 0; n < rows; n++)
        {
            for (long t = 0; t < length; t++)
                rowIds[t] = (int)ids[(n * length) + t];
            responses[n] = model.Tokenizer.Decode(rowIds);
        }
        return responses;
    }
}
