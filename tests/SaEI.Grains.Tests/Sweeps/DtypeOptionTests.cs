using System.Text;
using SaEI.Gpu.Training;
using SaEI.Grains.Sweeps;

namespace SaEI.Grains.Tests.Sweeps;

/// <summary>
/// The <c>dtype</c> run option (issue 13) travels like every other option: spec → <see cref="OptionBinder"/> →
/// <see cref="RlOptions.Dtype"/> → the run's resolved config (and so its id) → state.json of its checkpoints.
/// </summary>
public sealed class DtypeOptionTests
{
    [Fact]
    public void The_binder_accepts_f32_and_bf16_and_names_both_for_anything_else()
    {
        Assert.Equal(ComputeDtype.Bf16, OptionBinder.TryConvert("dtype", "bf16", out _));
        Assert.Equal(ComputeDtype.Bf16, OptionBinder.TryConvert("dtype", "BF16", out _));
        Assert.Equal(ComputeDtype.F32, OptionBinder.TryConvert("dtype", "f32", out _));
        Assert.Null(OptionBinder.TryConvert("dtype", "fp8", out string? error));
        Assert.Equal("'fp8' is not one of f32, bf16", error);
        Assert.Equal("bf16", OptionBinder.Format(ComputeDtype.Bf16));
        Assert.Equal("bf16", OptionBinder.Normalize("dtype", "Bf16"));
        Assert.Equal(ComputeDtype.Bf16, OptionBinder.Apply(new RlOptions(), [new("dtype", "bf16")]).Dtype);
        Assert.Equal(ComputeDtype.F32, new RlOptions().Dtype);
    }

    [Fact]
    public void A_spec_sets_dtype_per_method_and_it_reaches_the_run_options_and_its_id()
    {
        var runs = SweepExpansion.Expand(
            SweepSpecParser.ParseOrThrow(SpecSamples.Minimal("grpo: {}\n  wide: { method: grpo, dtype: bf16 }"))
        );

        var narrow = runs.Single(r => r.Method == "grpo");
        var wide = runs.Single(r => r.Method == "wide");
        Assert.Equal(ComputeDtype.F32, narrow.Options.Dtype);
        Assert.Equal(ComputeDtype.Bf16, wide.Options.Dtype);
        Assert.Contains("\ndtype=f32\n", narrow.ResolvedConfig, StringComparison.Ordinal);
        Assert.Contains("\ndtype=bf16\n", wide.ResolvedConfig, StringComparison.Ordinal);
        Assert.NotEqual(narrow.RunId.Split('-')[1], wide.RunId.Split('-')[1]); // the config hash differs

        var bad = SweepSpecParser.Parse(SpecSamples.Minimal("grpo: { dtype: fp16 }"));
        var error = Assert.Single(bad.Errors);
        Assert.Equal("methods.grpo.dtype", error.Path);
        Assert.Equal("'fp16' is not one of f32, bf16.", error.Message);
    }

    [Fact]
    public void A_checkpoint_state_keeps_the_dtype_and_an_older_one_without_it_reads_as_f32()
    {
        var state = new TrainingState
        {
            Step = 2,
            OptimizerStep = 2,
            Seed = 1,
            TotalSteps = 4,
            ProblemCount = 3,
            CursorEpoch = 0,
            CursorPosition = 2,
            Generators = new Dictionary<string, string>(),
            Options = new RlOptions { Dtype = ComputeDtype.Bf16 },
        };
        byte[] json = state.ToJson();
        Assert.Contains("\"dtype\": \"bf16\"", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        Assert.Equal(ComputeDtype.Bf16, TrainingState.FromJson(json, "state.json").Options.Dtype);

        string older = Encoding.UTF8.GetString(json).Replace("\"dtype\": \"bf16\",", "", StringComparison.Ordinal);
        Assert.DoesNotContain("dtype", older, StringComparison.Ordinal);
        Assert.Equal(
            ComputeDtype.F32,
            TrainingState.FromJson(Encoding.UTF8.GetBytes(older), "state.json").Options.Dtype
        );
    }
}
