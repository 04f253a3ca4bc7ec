using SaEI.Gpu.Evaluation;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Grading;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tasks.Rewards;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Evaluation;

public sealed class EvaluatorTests
{
    private static IReadOnlyList<VisualProblem> Problems(int count) =>
        new SyntheticTask(new SyntheticTaskOptions { ImageSize = 32, Seed = 3 }).Generate(count);

    [Fact]
    public void Scores_are_the_hand_computed_means_over_samples_and_problems()
    {
        // Problem 0: accuracies 1,0,1,1 and formats 1,1,0,1; problem 1: all 0 accuracy, formats 1,0,0,0.
        // pass@1 = 3/8, format rate = 4/8, pass@4 = (1 + 0)/2.
        ResponseGrade[] first = [new(1, 1), new(0, 1), new(1, 0), new(1, 1)],
            second = [new(0, 1), new(0, 0), new(0, 0), new(0, 0)];
        var scores = BenchmarkScores.Of([first, second], 4);
        Assert.Equal(new BenchmarkScores(2, 4, 0.375, 0.5, 0.5), scores);
    }

    [Fact]
    public void Greedy_pass_at_1_equals_the_known_share_of_problems_whose_answer_is_the_models_own()
    {
        // The ground truth of even problems is set to the model's own greedy boxed answer ("None" when it writes no
        // box, which the grader compares like any string) and of odd problems to an answer it cannot give: at T = 0
        // every one of the k samples is that greedy response, so pass@1 = pass@k = 1/2 exactly.
        using var model = TinyModels.Create(
            seed: 3,
            config: TinyModels.TestConfig with
            {
                ImageSize = 32,
                PatchSize = 16,
            }
        );
        var problems = Problems(6);
        var greedy = new EvaluationOptions
        {
            SamplesPerProblem = 1,
            Temperature = 0,
            MaxNewTokens = 12,
            BatchSize = 6,
        };
        var own = Evaluator.Evaluate(model, "probe", problems, greedy).Generations;
        var relabelled = problems
            .Select(
                (problem, i) =>
                    problem with
                    {
                        Answer =
                            i % 2 == 0
                                ? BoxedAnswer.ExtractBoxedContent(MathReward.CollapseTagWhitespace(own[i].Response))
                                : "\\frac{98765}{3}",
                    }
            )
            .ToList();

        var result = Evaluator.Evaluate(model, "probe", relabelled, greedy with { SamplesPerProblem = 3 });

        Assert.Equal(0.5, result.Overall.Pass1, 12);
        Assert.Equal(0.5, result.Overall.PassAtK, 12);
        Assert.All(
            result.Generations,
            record =>
                Assert.Equal(own[problems.ToList().FindIndex(p => p.Id == record.ProblemId)].Response, record.Response)
        );
    }

    [Fact]
    public void Sampled_pass_at_1_matches_a_direct_per_sample_generate_and_grade_loop()
    {
        using var model = TinyModels.Create(
            seed: 5,
            config: TinyModels.TestConfig with
            {
                ImageSize = 32,
                PatchSize = 16,
            }
        );
        var problems = Problems(5);
        var options = new EvaluationOptions
        {
            SamplesPerProblem = 3,
            MaxNewTokens = 10,
            BatchSize = 2,
            Seed = 17,
        };
        var result = Evaluator.Evaluate(model, "loop", problems, options);

        // Reference: one generator per batch seeded by (eval seed, benchmark, batch index) — common random numbers —,
        // the same batches, then grade every decoded sample on its own.
        var expected = new List<(string Id, string Response, double Accuracy, double Format)>();
        for (int start = 0; start < problems.Count; start += 2)
        {
            using var generator = new Generator(EvaluationSeeds.ForBatch(17, "loop", start / 2), CPU);
            var batch = problems.Skip(start).Take(2).ToList();
            using var prompts = PromptBatch.Create(
                model,
                ModelInputs.ToTensors(model, [.. batch.Select(p => p.Image)]),
                [.. batch.Select(p => p.Problem)]
            );
            using var rollout = Generation.Generate(model, prompts, options.ToGenerationOptions(), generator);
            for (int row = 0; row < rollout.Count; row++)
            {
                int[] ids = [.. rollout.ResponseIds[row].data<long>().ToArray().Select(id => (int)id)];
                string response = model.Tokenizer.Decode(ids);
                var reward = MathReward.Score(response, batch[row / 3].Answer);
                expected.Add((batch[row / 3].Id, response, reward.Accuracy, reward.Format));
            }
        }
        Assert.Equal(expected, result.Generations.Select(r => (r.ProblemId, r.Response, r.Accuracy, r.Format)));
        Assert.Equal(expected.Average(e => e.Accuracy), result.Overall.Pass1, 12);
        Assert.Equal(expected.Average(e => e.Format), result.Overall.FormatRate, 12);
        Assert.Equal(problems.Select(p => p.Family).Distinct().Order(StringComparer.Ordinal), result.Families.Keys);
        Assert.Equal(problems.Count, result.Families.Values.Sum(f => f.Problems));
        Assert.NotEqual(result.Generations[0].Response, result.Generations[1].Response); // T = 0.6 samples differ
        Assert.Equal(
            problems.Select(p => (p.Id, expected.Count(e => e.Id == p.Id && e.Accuracy == 1))),
            result.ProblemPasses()
        );
    }

    [Fact]
    public void Batch_seeds_depend_on_eval_seed_benchmark_and_batch_only()
    {
        ulong seed = EvaluationSeeds.ForBatch(0, "synth-test", 3);
        Assert.Equal(seed, EvaluationSeeds.ForBatch(0, "synth-test", 3));
        Assert.NotEqual(seed, EvaluationSeeds.ForBatch(0, "synth-test", 4));
        Assert.NotEqual(seed, EvaluationSeeds.ForBatch(0, "synth-hard", 3));
        Assert.NotEqual(seed, EvaluationSeeds.ForBatch(1, "synth-test", 3));
    }

    [Fact]
    public void A_batch_draws_the_same_samples_whatever_came_before_it()
    {
        // The end-of-sequence row of lm_head is scaled so that, as batch 0, some problems stop after one decoding step
        // (every sample's first token is end-of-sequence) and others decode longer. With one generator shared across
        // batches, batch 1 would then start from a different generator state after each. Each batch has its own seed,
        // so the samples of the problem in batch 1 must not change.
        var config = TinyModels.TestConfig with
        {
            ImageSize = 32,
            PatchSize = 16,
        };
        using var model = TinyModels.Create(seed: 5, config: config);
        using (no_grad())
        {
            var lmHead = model.named_parameters().Single(p => p.name == "lm_head.weight").parameter;
            using var endOfSequence = lmHead[model.Tokenizer.StopIds[0]];
            using var factor = 4.0.ToScalar();
            endOfSequence.mul_(factor);
        }
        var problems = Problems(12);
        var options = new EvaluationOptions
        {
            SamplesPerProblem = 3,
            MaxNewTokens = 10,
            BatchSize = 1,
            Seed = 4,
        };
        ulong firstBatch = EvaluationSeeds.ForBatch(4, "crn", 0);
        long[] steps = [.. problems.Select(p => DecodingSteps(model, p, options, firstBatch))];
        int once = Array.IndexOf(steps, 1L),
            longer = Array.FindIndex(steps, n => n > 1);
        Assert.True(
            once >= 0 && longer >= 0,
            $"the probe needs a problem that stops after one step and one that does not: {string.Join(", ", steps)}"
        );
        var target = problems[longer == 0 ? 1 : 0];

        var first = Evaluator.Evaluate(model, "crn", [problems[once], target], options);
        var second = Evaluator.Evaluate(model, "crn", [problems[longer], target], options);
        Assert.Equal(
            first.Generations.Skip(3).Select(g => g.Response),
            second.Generations.Skip(3).Select(g => g.Response)
        );
    }

    /// <summary>How many tokens the batch of one problem decodes (until every sample stopped, or the limit).</summary>
    private static long DecodingSteps(
        SaEI.Gpu.Models.Tiny.TinyVlm model,
        VisualProblem problem,
        EvaluationOptions options,
        ulong seed
    )
    {
        using var generator = new Generator(seed, CPU);
        using var prompts = PromptBatch.Create(model, ModelInputs.ToTensors(model, [problem.Image]), [problem.Problem]);
        using var rollout = Generation.Generate(model, prompts, options.ToGenerationOptions(), generator);
        return rollout.ResponseIds.shape[1];
    }

    [Fact]
    public void Generations_file_has_one_line_per_problem_and_sample_with_every_field()
    {
        using var model = TinyModels.Create(
            seed: 2,
            config: TinyModels.TestConfig with
            {
                ImageSize = 32,
                PatchSize = 16,
            }
        );
        var problems = Problems(3);
        string path = Path.Combine(Path.GetTempPath(), $"saei-gen-{Guid.NewGuid():N}", "synthetic.jsonl");
        try
        {
            var result = Evaluator.Evaluate(
                model,
                "synthetic",
                problems,
                new EvaluationOptions { SamplesPerProblem = 2, MaxNewTokens = 6 },
                path
            );
            string[] lines = File.ReadAllLines(path);
            Assert.Equal(6, lines.Length);
            foreach (
                string field in new[]
                {
                    "\"benchmark\":",
                    "\"problem_id\":",
                    "\"family\":",
                    "\"sample\":",
                    "\"prompt\":",
                    "\"response\":",
                    "\"answer\":",
                    "\"accuracy\":",
                    "\"format\":",
                }
            )
                Assert.All(lines, line => Assert.Contains(field, line, StringComparison.Ordinal));
            var read = GenerationRecord.ReadJsonl(path);
            Assert.Equal(result.Generations, read);
            Assert.Equal(
                problems.SelectMany(p => new[] { (p.Id, 0), (p.Id, 1) }),
                read.Select(r => (r.ProblemId, r.Sample))
            );
            Assert.All(
                read,
                r =>
                    Assert.StartsWith(
                        problems.First(p => p.Id == r.ProblemId).Problem,
                        r.Prompt,
                        StringComparison.Ordinal
                    )
            );
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Multiple_choice_answers_are_graded_by_option_letter_or_text()
    {
        var problem = new VisualProblem(
            "mc-1",
            "Which? (A) 3 (B) 5",
            "B",
            ["3", "5"],
            RgbImage.Filled(8, 8, new Rgb(0, 0, 0)),
            "test",
            "mc"
        );
        Assert.Equal(new ResponseGrade(1, 1), ResponseGrade.Of(problem, "<think>x</think>\\boxed{B}"));
        Assert.Equal(new ResponseGrade(1, 1), ResponseGrade.Of(problem, "<think>x</think>\\boxed{5}"));
        Assert.Equal(new ResponseGrade(0, 0), ResponseGrade.Of(problem, "\\boxed{A}"));
    }
}
