using SaEI.Gpu.Evaluation;
using SaEI.Gpu.Models;
using SaEI.Gpu.Training.Sft;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Sft;

public sealed class SftWarmStartTests
{
    [Fact]
    public void Warm_start_saves_a_loadable_checkpoint_returns_its_bytes_and_evaluates_the_test_split()
    {
        string directory = Path.Combine(Path.GetTempPath(), "saei-sft-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = SftTestModels.Options with
            {
                Steps = 2,
                TrainProblems = 8,
                TestProblems = 3,
                Evaluation = new EvaluationOptions { SamplesPerProblem = 2, MaxNewTokens = 8 },
            };
            var result = SftWarmStart.Run(
                options,
                Path.Combine(directory, "model"),
                threads: 1,
                generationsPath: Path.Combine(directory, "gen.jsonl")
            );

            Assert.Equal(
                ["config.json", "model.safetensors", SftWarmStart.SummaryFileName],
                result.Files.Keys.Order(StringComparer.Ordinal)
            );
            foreach (var (name, bytes) in result.Files)
                Assert.Equal(File.ReadAllBytes(Path.Combine(result.ModelDirectory, name)), bytes);
            Assert.Equal(2, result.Steps.Count);
            Assert.Equal(3, result.Base!.Overall.Problems);
            Assert.Equal(6, GenerationRecord.ReadJsonl(Path.Combine(directory, "gen.jsonl")).Count);

            using var loaded = PolicyModelFactory.Load(result.ModelDirectory, CPU);
            using var fresh = PolicyModelFactory.CreateTiny(options.Model, options.ModelSeed, CPU);
            var trained = loaded.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            // Training moved every parameter away from the seeded initialisation.
            foreach (var (name, initial) in fresh.NamedParameters())
                Assert.False(initial.eq(trained[name]).all().item<bool>(), $"parameter {name} did not change");
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }
}
