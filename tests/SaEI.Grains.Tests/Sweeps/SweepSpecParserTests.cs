using SaEI.Gpu.Training;
using SaEI.Grains.Sweeps;

namespace SaEI.Grains.Tests.Sweeps;

public sealed class SweepSpecParserTests
{
    private static SpecError SingleError(string yaml)
    {
        var result = SweepSpecParser.Parse(yaml);
        Assert.False(result.Ok);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void A_misspelt_option_names_its_key_path_the_line_and_the_fix()
    {
        var error = SingleError(SpecSamples.Minimal("saei: { step_sise: 0.01 }"));
        Assert.Equal("methods.saei.step_sise", error.Path);
        Assert.Equal("unknown key; did you mean step_size?", error.Message);
        Assert.Equal(9, error.Line);
        Assert.Equal(
            "line 9, column 11: methods.saei.step_sise: unknown key; did you mean step_size?",
            error.ToString()
        );
    }

    [Fact]
    public void Unknown_keys_are_errors_at_every_level()
    {
        var result = SweepSpecParser.Parse(
            SpecSamples.Minimal(extra: "evals: { every: 5 }\ncheckpoint: { evry: 5 }\nmodel2: x")
        );
        Assert.Equal(["checkpoint.evry", "evals", "model2"], result.Errors.Select(e => e.Path).Order());
        Assert.Contains(result.Errors, e => e.Path == "evals" && e.Message == "unknown key; did you mean eval?");
        Assert.Contains(
            result.Errors,
            e => e.Path == "checkpoint.evry" && e.Message == "unknown key; did you mean every?"
        );
        Assert.Contains(
            result.Errors,
            e =>
                e.Path == "model2" && e.Message.StartsWith("unknown key; did you mean model?", StringComparison.Ordinal)
        );

        var data = SingleError(
            SpecSamples
                .Minimal()
                .Replace(
                    "task: counting, size: 10 }",
                    "task: counting, size: 10, colour: red }",
                    StringComparison.Ordinal
                )
        );
        Assert.Equal("data.train.colour", data.Path);
        Assert.StartsWith(
            "unknown key; allowed keys: difficulty, format, name",
            data.Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Bad_values_name_the_key_and_what_to_set()
    {
        Assert.Equal(
            "'fast' is not a finite number.",
            SingleError(SpecSamples.Minimal("grpo: { learning_rate: fast }")).Message
        );
        var enumError = SingleError(SpecSamples.Minimal("saei: { tokens: medium }"));
        Assert.Equal("methods.saei.tokens", enumError.Path);
        Assert.Equal("'medium' is not one of all, low, moderate, high, low_high.", enumError.Message);
        var steps = SingleError(SpecSamples.Minimal().Replace("steps: 10", "steps: 0", StringComparison.Ordinal));
        Assert.Equal("steps", steps.Path);
        Assert.StartsWith("is '0'; set an integer in 1..999999", steps.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_options_are_caught_by_RlOptions_Validate_with_the_method_path()
    {
        var error = SingleError(SpecSamples.Minimal("saei: { group_size: 7 }"));
        Assert.Equal("methods.saei.group_size", error.Path);
        Assert.Contains("must be even (set 8)", error.Message, StringComparison.Ordinal);
        Assert.Equal(9, error.Line);

        var grid = SingleError(SpecSamples.Minimal(extra: "grid: { step_size: [0.01, 2] }"));
        Assert.Equal("methods.grpo.step_size", grid.Path);
        Assert.StartsWith("(grid point step_size=2) is 2;", grid.Message, StringComparison.Ordinal);
        Assert.Equal(10, grid.Line); // the grid line
    }

    [Fact]
    public void Yaml_syntax_errors_give_line_and_column()
    {
        var error = SingleError("experiment: x\nmodel:\n  family: tiny-vlm\n   base: y\n");
        Assert.StartsWith("YAML syntax error", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, error.Line);
        Assert.NotNull(error.Column);

        var unclosed = SingleError("experiment: x\nmodel: { family: tiny-vlm\nsteps: 3\n");
        Assert.StartsWith(
            "YAML syntax error: the file ends inside an unclosed",
            unclosed.Message,
            StringComparison.Ordinal
        );

        var duplicate = SingleError("experiment: x\nexperiment: y\n");
        Assert.Contains("Duplicate key", duplicate.Message, StringComparison.Ordinal);
        Assert.Equal(2, duplicate.Line);
    }

    [Fact]
    public void Required_sections_and_model_rules_are_explained()
    {
        var result = SweepSpecParser.Parse("experiment: x\n");
        Assert.Equal(["data", "methods", "model", "seeds", "steps"], result.Errors.Select(e => e.Path).Order());

        var qwen = SingleError(
            SpecSamples.Minimal().Replace("{ family: tiny-vlm }", "{ family: qwen2.5-vl }", StringComparison.Ordinal)
        );
        Assert.Equal("model.path", qwen.Path);
        Assert.Contains("/data/Qwen2.5-VL-7B-Instruct", qwen.Message, StringComparison.Ordinal);

        var family = SingleError(
            SpecSamples.Minimal().Replace("{ family: tiny-vlm }", "{ family: llama }", StringComparison.Ordinal)
        );
        Assert.Equal("is 'llama'; set tiny-vlm or qwen2.5-vl.", family.Message);
    }

    [Fact]
    public void Data_sets_are_checked_for_format_and_fields()
    {
        var format = SingleError(
            SpecSamples
                .Minimal()
                .Replace("test: { format: synthetic", "test: { format: synthetc", StringComparison.Ordinal)
        );
        Assert.Equal("data.test.format", format.Path);
        Assert.Equal("is 'synthetc'; did you mean synthetic?", format.Message);

        var path = SingleError(
            SpecSamples
                .Minimal()
                .Replace(
                    "test: { format: synthetic, task: counting, split: test, size: 10 }",
                    "test: { format: geometry3k }",
                    StringComparison.Ordinal
                )
        );
        Assert.Equal("data.test.path", path.Path);

        var ood = SweepSpecParser.Parse(
            SpecSamples
                .Minimal()
                .Replace(
                    "seeds:",
                    "  ood: [ { format: mathvista, path: /data/MathVista } ]\nseeds:",
                    StringComparison.Ordinal
                )
        );
        Assert.Equal("data.ood[0].name", Assert.Single(ood.Errors).Path);

        var benchmark = SingleError(SpecSamples.Minimal(extra: "eval: { benchmarks: [test, mathvista] }"));
        Assert.Equal("eval.benchmarks", benchmark.Path);
        Assert.Equal("'mathvista' is not a data set of this spec; use test.", benchmark.Message);
    }

    [Fact]
    public void Method_kinds_bind_by_name_or_explicit_method_and_enums_by_snake_case_or_name()
    {
        var spec = SweepSpecParser.ParseOrThrow(
            SpecSamples.Minimal(
                "egas-only: {}\n  saei_low_high: { method: saei, tokens: low_high, kl_estimator: LowVarKl }\n  "
                    + "kl_cov: {}"
            )
        );
        Assert.Equal([RlMethod.EgasOnly, RlMethod.Saei, RlMethod.KlCov], spec.Methods.Select(m => m.Kind));
        var run = SweepExpansion.Expand(spec).Single(r => r.Method == "saei_low_high");
        Assert.Equal(TokenSelection.LowHigh, run.Options.Tokens);
        Assert.Equal(KlEstimator.LowVarKl, run.Options.KlEstimator);

        var unknown = SingleError(SpecSamples.Minimal("saei_k2: { iterations: 2 }"));
        Assert.Equal("methods.saei_k2", unknown.Path);
        Assert.StartsWith(
            "'saei_k2' is not a method kind; add `method: <kind>` (grpo, saei, egas_only",
            unknown.Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_key_set_by_a_method_and_by_the_grid_is_ambiguous()
    {
        var error = SingleError(
            SpecSamples.Minimal("saei: { learning_rate: 0.001 }", "grid: { learning_rate: [0.0001, 0.0003] }")
        );
        Assert.Equal("grid.learning_rate", error.Path);
        Assert.Contains("also set in methods.saei", error.Message, StringComparison.Ordinal);
        // Rollout defaults may be overridden by the grid.
        Assert.True(
            SweepSpecParser
                .Parse(
                    SpecSamples.Minimal(extra: "rollout: { learning_rate: 0.001 }\ngrid: { learning_rate: [0.0001] }")
                )
                .Ok
        );
    }

    [Fact]
    public void Seeds_and_grid_values_must_be_distinct_and_defaults_apply()
    {
        Assert.Equal(
            "seed 1 is listed twice; list each once.",
            SingleError(SpecSamples.Minimal().Replace("seeds: [1]", "seeds: [1, 1]", StringComparison.Ordinal)).Message
        );
        Assert.Equal(
            "value 0.00010 is listed twice; list each once.",
            SingleError(SpecSamples.Minimal(extra: "grid: { learning_rate: [1e-4, 0.00010] }")).Message
        );

        var spec = SweepSpecParser.ParseOrThrow(SpecSamples.Minimal());
        Assert.Equal(3, spec.MaxFailures);
        Assert.Equal(5, spec.Eval.Every);
        Assert.Equal(0.6, spec.Eval.Temperature);
        Assert.Equal("train", spec.Data.Train.Name);
        Assert.Equal("test", spec.Data.Test.Name);
    }

    [Fact]
    public void ParseOrThrow_lists_every_problem_with_the_source()
    {
        var error = Assert.Throws<SweepSpecException>(() =>
            SweepSpecParser.ParseOrThrow(SpecSamples.Minimal("saei: { step_sise: 1, group_size: x }"), "spec.yaml")
        );
        Assert.Equal(2, error.Errors.Count);
        Assert.StartsWith("spec.yaml: 2 problem(s):", error.Message, StringComparison.Ordinal);
    }
}
