using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tests.Models;
using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Rollout;

/// <summary>generation_batch_rows: rows decoded a chunk at a time (Generation decision 5).</summary>
public sealed class ChunkedGenerationTests
{
    [Fact]
    public void Chunked_rollouts_are_valid_reproducible_and_one_chunk_of_all_rows_is_the_unchunked_stream()
    {
        using var model = TinyModels.Create();
        using var prompts = TinyModels.Prompts(model, 3);
        var options = new GenerationOptions
        {
            ResponsesPerPrompt = 4,
            Temperature = 1.0,
            MaxNewTokens = 10,
        };
        using RolloutBatch all = Sample(0),
            wholeChunk = Sample(12),
            chunked = Sample(5),
            again = Sample(5);
        using RolloutBatch recomputed = Sample(5, useKvCache: false);

        Assert.True(all.ResponseIds.Same(wholeChunk.ResponseIds), "a chunk of all N rows must be the unchunked stream");
        Assert.True(all.LogProbs.Same(wholeChunk.LogProbs));
        Assert.True(chunked.ResponseIds.Same(again.ResponseIds), "the same chunk size must reproduce the samples");
        Assert.True(chunked.LogProbs.Same(again.LogProbs));
        Assert.True(chunked.ResponseIds.Same(recomputed.ResponseIds), "the recompute path must draw the same samples");
        Assert.False(chunked.ResponseIds.Same(all.ResponseIds), "another chunk size draws other samples");

        // Valid: N rows, Tr ≤ MaxNewTokens, the mask a prefix of ones, pads and zero log-probs after it.
        Assert.Equal(12, chunked.ResponseIds.shape[0]);
        Assert.InRange(chunked.ResponseIds.shape[1], 1, 10);
        long[] ids = chunked.ResponseIds.data<long>().ToArray(),
            mask = chunked.ResponseMask.data<long>().ToArray();
        float[] logProbs = chunked.LogProbs.data<float>().ToArray();
        int length = (int)chunked.ResponseIds.shape[1];
        for (int row = 0; row < 12; row++)
        {
            int valid = Enumerable.Range(0, length).TakeWhile(t => mask[row * length + t] == 1).Count();
            for (int t = valid; t < length; t++)
            {
                Assert.Equal(0, mask[row * length + t]);
                Assert.Equal(model.Tokenizer.PadId, ids[row * length + t]);
                Assert.Equal(0f, logProbs[row * length + t]);
            }
            for (int t = 0; t < valid; t++)
                Assert.True(logProbs[row * length + t] <= 0, $"row {row} token {t}: log-prob > 0");
        }

        RolloutBatch Sample(int batchRows, bool useKvCache = true)
        {
            using var generator = new Generator(21, CPU);
            return Generation.Generate(model, prompts, options with { BatchRows = batchRows }, generator, useKvCache);
        }
    }

    [Fact]
    public void The_plans_generation_term_shrinks_with_the_chunk_and_a_negative_chunk_is_refused()
    {
        var model = MemoryPlanModel.FromTiny(new TinyVlmConfig());
        var options = new RlOptions
        {
            PromptsPerStep = 8,
            MiniBatchPrompts = 8,
            GroupSize = 8,
        };
        long GenerationBytes(int rows) =>
            MemoryPlan
                .Estimate(MemoryPlanInputs.For(model, options with { GenerationBatchRows = rows }, 20, 64))
                .Policy.Terms.Where(t => t.Name.StartsWith("generation", StringComparison.Ordinal))
                .Sum(t => t.Bytes);
        // Terms are linear in Ng: 64 rows (all) → 16 → 8 is ×1/4 then ×1/2; a chunk above N is all rows.
        Assert.Equal(GenerationBytes(0), GenerationBytes(64));
        Assert.Equal(GenerationBytes(0), GenerationBytes(1000));
        Assert.Equal(GenerationBytes(0), 4 * GenerationBytes(16));
        Assert.Equal(GenerationBytes(16), 2 * GenerationBytes(8));

        var error = Assert.Single((options with { GenerationBatchRows = -1 }).Validate());
        Assert.Equal("generation_batch_rows", error.Key);
        Assert.Throws<ArgumentException>(new GenerationOptions { BatchRows = -1 }.Validate);
    }
}
