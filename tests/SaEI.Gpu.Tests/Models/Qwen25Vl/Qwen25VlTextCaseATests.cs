using SaEI.Gpu.Models.Qwen25Vl;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// The text side of Qwen2.5-VL against Hugging Face's numbers for case A (tests/data/qwen25vl/README.md), with HF's
/// image_embeds injected while the vision tower is not on this branch: rope index, embeddings, every decoder layer,
/// logits, next-token log-probs and greedy decoding with and without the KV cache, in float32 and bfloat16.
/// </summary>
public sealed class Qwen25VlTextCaseATests
{
    private static readonly long[][] Grids =
    [
        [1, 8, 10],
    ];

    [Fact]
    public void Case_A_intermediates_and_logits_match_Hugging_Face()
    {
        using var model = Qwen25VlTestModels.CaseA(ScalarType.Float32);
        using var inputs = ReferenceCaseA.Inputs();
        var expected = ReferenceCaseA.Expected();
        using var scope = NewDisposeScope();
        Assert.Equal(Grids[0], expected["image_grid_thw"].data<long>().ToArray());
        var valid = expected["token_valid_mask"]; // [1,T]
        Dictionary<string, Tensor> trace;
        using (no_grad())
            trace = model.Diagnose(expected["image_embeds"], Grids, inputs.InputIds, inputs.AttentionMask);
        try
        {
            Assert.Equal(expected["position_ids"].shape, trace["position_ids"].shape);
            Assert.Equal(expected["position_ids"].data<long>().ToArray(), trace["position_ids"].data<long>().ToArray());
            Assert.Equal(expected["mrope_position_deltas"].shape, trace["mrope_position_deltas"].shape);
            Assert.Equal(-15, trace["mrope_position_deltas"].item<long>());
            ReferenceCaseA.AssertClose("inputs_embeds", trace["inputs_embeds"], expected["inputs_embeds"], 2e-5);
            for (int i = 0; i < model.Config.NumHiddenLayers; i++)
                ReferenceCaseA.AssertClose(
                    $"text.layer_out.{i}",
                    trace[$"text.layer_out.{i}"],
                    expected[$"text.layer_out.{i}"],
                    5e-5,
                    valid
                );
            ReferenceCaseA.AssertClose(
                "text.final_norm",
                trace["text.final_norm"],
                expected["text.final_norm"],
                5e-5,
                valid
            );
            ReferenceCaseA.AssertClose("logits", trace["logits"], expected["logits"], 5e-5, valid);

            var logits = trace["logits"]; // [1,T,V]
            long t = logits.shape[1];
            var next = inputs.InputIds.narrow(1, 1, t - 1).unsqueeze(-1); // [1,T-1,1]
            var logProbs = logits.narrow(1, 0, t - 1).log_softmax(-1).gather(-1, next).squeeze(-1); // [1,T-1]
            ReferenceCaseA.AssertClose(
                "next_token_logprobs",
                logProbs,
                expected["next_token_logprobs"],
                5e-5,
                expected["next_token_logprobs_valid"]
            );
        }
        finally
        {
            foreach (var tensor in trace.Values.Concat(expected.Values))
                tensor.Dispose();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Case_A_greedy_tokens_and_step_logits_match_with_and_without_the_cache(bool cached)
    {
        using var model = Qwen25VlTestModels.CaseA(ScalarType.Float32);
        using var inputs = ReferenceCaseA.Inputs();
        var expected = ReferenceCaseA.Expected();
        try
        {
            using var scope = NewDisposeScope();
            var (tokens, stepLogits) = Qwen25VlTestModels.Greedy(
                model,
                expected["image_embeds"],
                Grids,
                inputs.InputIds,
                inputs.AttentionMask,
                inputs.NewTokens,
                cached
            );
            Assert.Equal(expected["gen.tokens"].data<long>().ToArray(), tokens.data<long>().ToArray());
            ReferenceCaseA.AssertClose("gen.step_logits", stepLogits, expected["gen.step_logits"], 5e-5);
        }
        finally
        {
            foreach (var tensor in expected.Values)
                tensor.Dispose();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Case_A_in_bfloat16_still_gives_the_greedy_tokens(bool cached)
    {
        using var model = Qwen25VlTestModels.CaseA(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, model.ParameterDtype);
        using var inputs = ReferenceCaseA.Inputs();
        var expected = ReferenceCaseA.Expected();
        try
        {
            using var scope = NewDisposeScope();
            var (tokens, stepLogits) = Qwen25VlTestModels.Greedy(
                model,
                expected["image_embeds"],
                Grids,
                inputs.InputIds,
                inputs.AttentionMask,
                inputs.NewTokens,
                cached
            );
            Assert.Equal(ScalarType.Float32, stepLogits.dtype);
            Assert.Equal(expected["gen.tokens"].data<long>().ToArray(), tokens.data<long>().ToArray());
            // bfloat16 is ~3 significant digits: near, not equal (a float32 result would be within 5e-5).
            double difference = Qwen25VlTestModels.MaxDifference(stepLogits, expected["gen.step_logits"]);
            Assert.InRange(difference, 1e-6, 0.1);
        }
        finally
        {
            foreach (var tensor in expected.Values)
                tensor.Dispose();
        }
    }

    [Fact]
    public void Case_A_text_parameters_have_the_checkpoint_names()
    {
        using var model = new Qwen25VlModel(ReferenceCaseA.Config());
        string[] names =
        [
            .. model
                .named_parameters()
                .Select(p => p.name)
                .Where(n => !n.StartsWith("visual.", StringComparison.Ordinal)),
        ];
        // 12 per layer (q/k/v weight+bias, o_proj, 3 mlp, 2 norms) + embed, norm, lm_head
        Assert.Equal(12 * 2 + 3, names.Length);
        Assert.Contains("model.embed_tokens.weight", names);
        Assert.Contains("model.layers.1.self_attn.k_proj.bias", names);
        Assert.Contains("model.layers.0.mlp.down_proj.weight", names);
        Assert.Contains("model.norm.weight", names);
        Assert.Contains("lm_head.weight", names);
        Assert.DoesNotContain("model.layers.0.self_attn.o_proj.bias", names);
        Assert.Empty(model.named_buffers());
    }
}
