using SaEI.Gpu.Training;
using SaEI.Grains.Sweeps;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Sweeps;

public sealed class ExampleSpecsTests
{
    private static string Example(string name) => Path.Combine(RepositoryPaths.Root, "examples", name);

    [Theory]
    [InlineData("synthetic-demo.yaml", 4, 12)]
    [InlineData("synthetic-demo-quick.yaml", 2, 6)]
    [InlineData("synthetic-demo-study.yaml", 6, 30)]
    [InlineData("paper-geometry3k.yaml", 7, 21)]
    [InlineData("paper-mm-eureka.yaml", 7, 21)]
    public async Task The_examples_validate_and_expand(string file, int methods, int runs)
    {
        var result = await SweepSpecParser.ParseFileAsync(Example(file));
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(methods, result.Spec!.Methods.Count);
        Assert.Equal(runs, SweepExpansion.Expand(result.Spec).Count);
    }

    /// <summary>Issue 14: evaluation with power (≥ 512 problems in-domain, k ≥ 4 at T = 0.6) in the full demo and the
    /// study, the same settings for both, and the study's six methods × five seeds.</summary>
    [Fact]
    public async Task The_full_demo_and_the_study_evaluate_512_problems_4_times_with_the_same_settings()
    {
        var demo = (await SweepSpecParser.ParseFileAsync(Example("synthetic-demo.yaml"))).Spec!;
        var study = (await SweepSpecParser.ParseFileAsync(Example("synthetic-demo-study.yaml"))).Spec!;
        foreach (var spec in new[] { demo, study })
        {
            Assert.True(spec.Data.Test!.Size >= 512, $"{spec.Experiment}: test size {spec.Data.Test.Size}");
            Assert.True(spec.Eval.Samples >= 4, $"{spec.Experiment}: samples {spec.Eval.Samples}");
            Assert.Equal(0.6, spec.Eval.Temperature);
        }
        Assert.Equal([1, 2, 3, 4, 5], study.Seeds);
        Assert.Equal(
            [
                RlMethod.Grpo,
                RlMethod.Saei,
                RlMethod.NoisyRollout,
                RlMethod.KlCov,
                RlMethod.EgasOnly,
                RlMethod.RandomNoise,
            ],
            study.Methods.Select(m => m.Kind)
        );
        Assert.Equal(demo.Steps, study.Steps);
        var demoRun = SweepExpansion.Expand(demo).First(r => r.Method == "saei");
        var studyRun = SweepExpansion.Expand(study).First(r => r.Method == "saei");
        Assert.Equal(demoRun.Options, studyRun.Options);
    }

    [Fact]
    public async Task The_paper_setups_cover_every_method_with_three_seeds_and_the_easyr1_settings()
    {
        foreach (var (file, steps) in new[] { ("paper-geometry3k.yaml", 60), ("paper-mm-eureka.yaml", 90) })
        {
            var spec = (await SweepSpecParser.ParseFileAsync(Example(file))).Spec!;
            Assert.Equal(Enum.GetValues<RlMethod>().Order(), spec.Methods.Select(m => m.Kind).Order());
            Assert.Equal([1, 2, 3], spec.Seeds);
            Assert.Equal(steps, spec.Steps);
            Assert.Equal(ModelFamily.Qwen25Vl, spec.Model.Family);
            Assert.StartsWith("/data/", spec.Model.Path, StringComparison.Ordinal);
            var run = SweepExpansion.Expand(spec).First();
            Assert.Equal(1e-6, run.Options.LearningRate);
            Assert.Equal(512, run.Options.PromptsPerStep);
            Assert.Equal(128, run.Options.MiniBatchPrompts);
            Assert.Equal(0.01, run.Options.KlCoefficient);
            Assert.Equal(5, spec.Eval.Every);
            Assert.Equal(0.6, spec.Eval.Temperature);
            Assert.Equal(4, spec.Data.Ood.Count);
        }
    }

    [Fact]
    public async Task A_missing_spec_file_is_one_clear_error()
    {
        var result = await SweepSpecParser.ParseFileAsync("/nonexistent/spec.yaml");
        Assert.Contains(
            "'/nonexistent/spec.yaml' does not exist",
            Assert.Single(result.Errors).Message,
            StringComparison.Ordinal
        );
    }
}
