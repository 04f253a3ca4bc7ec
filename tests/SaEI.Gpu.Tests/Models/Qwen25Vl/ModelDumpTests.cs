using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// Issue 12: <see cref="ModelDump"/> on case A (the class; the verb is tested in SaEI.Client.Tests ModelCommandTests)
/// gives every key of expected.safetensors within the README's tolerances, and its comparer catches a near miss.
/// </summary>
public sealed class ModelDumpTests
{
    public ModelDumpTests() => TorchRuntime.Initialize(1);

    [Fact]
    public void Case_A_dump_has_exactly_the_reference_keys_and_matches_them()
    {
        using var model = Qwen25VlModel.Load(ReferenceCaseA.Folder, CPU);
        model.eval();
        using var inputs = ReferenceCaseA.Inputs();
        var expected = ReferenceCaseA.Expected();
        var dump = ModelDump.Run(model, inputs);
        try
        {
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), dump.Keys);
            Assert.Empty(ModelDump.Compare(expected, dump));
            Assert.All(model.parameters(), p => Assert.Null(p.grad)); // the pixel gradient leaves the weights alone
            Assert.All(dump.Values, t => Assert.Contains(t.dtype, new[] { ScalarType.Float32, ScalarType.Int64 }));
        }
        finally
        {
            foreach (var tensor in dump.Values.Concat(expected.Values))
                tensor.Dispose();
        }
    }

    [Fact]
    public void Compare_names_a_key_moved_past_its_tolerance_and_ignores_invalid_positions()
    {
        var expected = ReferenceCaseA.Expected();
        var actual = expected.ToDictionary(p => p.Key, p => p.Value.clone());
        try
        {
            Assert.Empty(ModelDump.Compare(expected, actual));
            actual["logits"][0, 5, 7] = actual["logits"][0, 5, 7].add(tensor(1e-3f)); // a real token: caught
            actual["gen.tokens"][0, 2] = actual["gen.tokens"][0, 2].add(tensor(1L));
            actual.Remove("vision.cu_seqlens", out var removed);
            removed!.Dispose();
            var problems = ModelDump.Compare(expected, actual);
            Assert.Equal(3, problems.Count);
            Assert.Contains(problems, p => p.StartsWith("logits: max |Δ| 0.001", StringComparison.Ordinal));
            Assert.Contains(
                "gen.tokens: max |Δ|",
                problems.Single(p => p.StartsWith("gen.tokens", StringComparison.Ordinal)),
                StringComparison.Ordinal
            );
            Assert.Contains("vision.cu_seqlens: missing", problems);

            // A position the mask marks invalid is not compared.
            var masked = new Dictionary<string, Tensor>(expected)
            {
                ["token_valid_mask"] = expected["token_valid_mask"].clone(),
            };
            masked["token_valid_mask"][0, 5] = tensor(0L);
            var perturbed = new Dictionary<string, Tensor>(expected)
            {
                ["logits"] = actual["logits"],
                ["token_valid_mask"] = masked["token_valid_mask"],
            };
            Assert.Empty(ModelDump.Compare(masked, perturbed));
            masked["token_valid_mask"].Dispose();
        }
        finally
        {
            foreach (var tensor in actual.Values.Concat(expected.Values))
                tensor.Dispose();
        }
    }
}
