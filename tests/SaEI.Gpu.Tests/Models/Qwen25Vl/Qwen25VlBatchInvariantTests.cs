using SaEI.Gpu.Models.Qwen25Vl;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// Invariants of the Qwen2.5-VL text side on small random configs (other sizes, tied embeddings, other mrope
/// sections), over a left-padded batch of a one-image row, a two-image row and a text-only row with random image
/// embeddings injected: cached = uncached, a row does not depend on the other rows or on its padding, permuting the
/// batch permutes the outputs.
/// </summary>
public sealed class Qwen25VlBatchInvariantTests
{
    private const long S = 288,
        I = 290,
        E = 289;
    private const int Steps = 4;
    private const double Tolerance = 2e-5;

    public static TheoryData<int, int, int, int, int[], bool> Configs =>
        new()
        {
            { 64, 4, 2, 2, [2, 3, 3], false },
            { 48, 6, 1, 2, [1, 1, 2], true },
            { 32, 2, 2, 3, [4, 2, 2], true },
        };

    /// <summary>One prompt: its real ids and its images' grids (in order).</summary>
    private sealed record Prompt(long[] Ids, long[][] Grids);

    private static readonly Prompt[] Prompts =
    [
        new(
            [11, 12, S, .. Enumerable.Repeat(I, 6), E, 13, 14],
            [
                [1, 4, 6],
            ]
        ), // 11 tokens, 6 image tokens
        new(
            [S, I, E, 21, S, .. Enumerable.Repeat(I, 4), E, 22, 23, 24, 25],
            [
                [1, 2, 2],
                [1, 4, 4],
            ]
        ), // 14 tokens, 1 + 4
        new([31, 32, 33, 34, 35], []), // text only
    ];

    [Theory]
    [MemberData(nameof(Configs))]
    public void Cached_decoding_equals_full_recompute_at_every_step(
        int hidden,
        int heads,
        int kv,
        int layers,
        int[] mrope,
        bool tied
    )
    {
        using var model = Qwen25VlTestModels.Random(
            Qwen25VlTestModels.SmallConfig(hidden, heads, kv, layers, mrope, tied)
        );
        using var scope = NewDisposeScope();
        var (ids, mask, embeds, grids) = Batch(model, Prompts, extraPadding: 0);
        var (cachedTokens, cachedLogits) = Qwen25VlTestModels.Greedy(
            model,
            embeds,
            grids,
            ids,
            mask,
            Steps,
            cached: true
        );
        var (fullTokens, fullLogits) = Qwen25VlTestModels.Greedy(model, embeds, grids, ids, mask, Steps, cached: false);
        Assert.Equal(fullTokens.data<long>().ToArray(), cachedTokens.data<long>().ToArray());
        Assert.InRange(Qwen25VlTestModels.MaxDifference(cachedLogits, fullLogits), 0, Tolerance);
        Assert.True(
            fullLogits.std().item<float>() > 0.1f,
            "Logits are nearly constant: the test would not see a difference."
        );
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void A_row_does_not_depend_on_the_other_rows_or_on_its_padding(
        int hidden,
        int heads,
        int kv,
        int layers,
        int[] mrope,
        bool tied
    )
    {
        using var model = Qwen25VlTestModels.Random(
            Qwen25VlTestModels.SmallConfig(hidden, heads, kv, layers, mrope, tied)
        );
        using var scope = NewDisposeScope();
        var (ids, mask, embeds, grids) = Batch(model, Prompts, extraPadding: 0);
        Tensor batchLogits;
        using (no_grad())
            batchLogits = model.ForwardWithImageEmbeddings(embeds, grids, ids, mask); // [3,T,V]
        var (_, batchSteps) = Qwen25VlTestModels.Greedy(model, embeds, grids, ids, mask, Steps, cached: true);
        long t = ids.shape[1];
        for (int row = 0; row < Prompts.Length; row++)
        {
            foreach (int padding in new[] { 0, 3 })
            {
                var (aloneIds, aloneMask, aloneEmbeds, aloneGrids) = Batch(
                    model,
                    [Prompts[row]],
                    extraPadding: padding,
                    embedsOf: (Prompts, embeds, row)
                );
                Tensor aloneLogits;
                using (no_grad())
                    // [1,L+pad,V]
                    aloneLogits = model.ForwardWithImageEmbeddings(aloneEmbeds, aloneGrids, aloneIds, aloneMask);
                long length = Prompts[row].Ids.Length;
                var inBatch = batchLogits[row].narrow(0, t - length, length);
                var alone = aloneLogits[0].narrow(0, padding, length);
                Assert.InRange(Qwen25VlTestModels.MaxDifference(inBatch, alone), 0, Tolerance);
                var (_, aloneSteps) = Qwen25VlTestModels.Greedy(
                    model,
                    aloneEmbeds,
                    aloneGrids,
                    aloneIds,
                    aloneMask,
                    Steps,
                    cached: true
                );
                Assert.InRange(Qwen25VlTestModels.MaxDifference(batchSteps[row], aloneSteps[0]), 0, Tolerance);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Permuting_the_batch_permutes_the_outputs(
        int hidden,
        int heads,
        int kv,
        int layers,
        int[] mrope,
        bool tied
    )
    {
        using var model = Qwen25VlTestModels.Random(
            Qwen25VlTestModels.SmallConfig(hidden, heads, kv, layers, mrope, tied)
        );
        using var scope = NewDisposeScope();
        int[] order = [2, 0, 1];
        var (ids, mask, embeds, grids) = Batch(model, Prompts, extraPadding: 0);
        var permutedPrompts = order.Select(i => Prompts[i]).ToArray();
        var permutedEmbeds = cat([.. order.Select(i => RowEmbeddings(Prompts, embeds, i))], 0);
        var (pIds, pMask, _, pGrids) = Batch(model, permutedPrompts, extraPadding: 0);
        var (_, steps) = Qwen25VlTestModels.Greedy(model, embeds, grids, ids, mask, Steps, cached: true);
        var (_, permutedSteps) = Qwen25VlTestModels.Greedy(
            model,
            permutedEmbeds,
            pGrids,
            pIds,
            pMask,
            Steps,
            cached: true
        );
        using var index = tensor(order.Select(i => (long)i).ToArray());
        Assert.InRange(Qwen25VlTestModels.MaxDifference(steps.index_select(0, index), permutedSteps), 0, Tolerance);
        Tensor logits,
            permutedLogits;
        using (no_grad())
        {
            logits = model.ForwardWithImageEmbeddings(embeds, grids, ids, mask);
            permutedLogits = model.ForwardWithImageEmbeddings(permutedEmbeds, pGrids, pIds, pMask);
        }
        // left-pad rows are implementation-defined
        var valid = mask.index_select(0, index).to_type(ScalarType.Float32).unsqueeze(-1);
        Assert.InRange(
            Qwen25VlTestModels.MaxDifference(logits.index_select(0, index) * valid, permutedLogits * valid),
            0,
            Tolerance
        );
    }

    [Fact]
    public void Image_embeddings_that_do_not_match_the_image_tokens_name_both_counts()
    {
        using var model = Qwen25VlTestModels.Random(Qwen25VlTestModels.SmallConfig(64, 4, 2, 2, [2, 3, 3], false));
        using var scope = NewDisposeScope();
        var (ids, mask, embeds, grids) = Batch(model, Prompts, extraPadding: 0);
        var error = Assert.Throws<ArgumentException>(() =>
            model.ForwardWithImageEmbeddings(embeds!.narrow(0, 0, 10), grids, ids, mask)
        );
        Assert.Contains("11 image token(s)", error.Message);
        Assert.Contains("10 feature row(s)", error.Message);
    }

    [Fact]
    public void Text_only_prompts_need_no_images_and_prompts_with_image_tokens_do()
    {
        using var model = Qwen25VlTestModels.Random(Qwen25VlTestModels.SmallConfig(64, 4, 2, 2, [2, 3, 3], false));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, mask, _, _) = Batch(model, [Prompts[2], Prompts[2] with { Ids = [36, 37, 38] }], extraPadding: 1);
        var logits = model.Forward(null, ids, mask); // [2,T,V]
        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.Equal(
            0,
            Qwen25VlTestModels.MaxDifference(logits, model.ForwardWithImageEmbeddings(null, [], ids, mask))
        );
        using var session = model.StartDecoding(null, ids, mask, maxNewTokens: 1);
        Assert.InRange(Qwen25VlTestModels.MaxDifference(session.Prefill(), logits.select(1, -1)), 0, Tolerance);
        Assert.Equal([-1L, -3], session.RopeDeltas!.data<long>().ToArray()); // 5 and 3 real tokens in T = 6

        var (withImages, imageMask, _, _) = Batch(model, Prompts, extraPadding: 0);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(null, withImages, imageMask));
        Assert.Contains("image_token_id 290", error.Message);
        Assert.Contains("2 row(s)", error.Message);
    }

    [Fact]
    public void Tied_embeddings_have_no_lm_head_parameter_and_project_with_embed_tokens()
    {
        using var model = Qwen25VlTestModels.Random(Qwen25VlTestModels.SmallConfig(32, 2, 2, 1, [4, 2, 2], true));
        Assert.DoesNotContain(model.named_parameters(), p => p.name.StartsWith("lm_head", StringComparison.Ordinal));
        using var scope = NewDisposeScope();
        var (ids, mask, embeds, grids) = Batch(model, Prompts, extraPadding: 0);
        Dictionary<string, Tensor> trace;
        using (no_grad())
            trace = model.Diagnose(embeds, grids, ids, mask);
        try
        {
            var embedding = model.named_parameters().Single(p => p.name == "model.embed_tokens.weight").parameter;
            var expected = matmul(trace["text.final_norm"], embedding.t()); // [N,T,V]
            Assert.InRange(Qwen25VlTestModels.MaxDifference(trace["logits"], expected), 0, 1e-5);
        }
        finally
        {
            foreach (var tensor in trace.Values)
                tensor.Dispose();
        }
    }

    /// <summary>
    /// Prompts → left-padded ids [N,T], mask, image embeddings [ΣP,D] in order of appearance and grids. Embeddings are
    /// seeded random unless <paramref name="embedsOf"/> gives a batch's embeddings to take one prompt's rows from.
    /// </summary>
    private static (Tensor Ids, Tensor Mask, Tensor? Embeds, long[][] Grids) Batch(
        Qwen25VlModel model,
        Prompt[] prompts,
        int extraPadding,
        (Prompt[] Prompts, Tensor? Embeds, int Row)? embedsOf = null
    )
    {
        long t = prompts.Max(p => p.Ids.Length) + extraPadding;
        long[] ids = [.. prompts.SelectMany(p => Enumerable.Repeat(0L, (int)(t - p.Ids.Length)).Concat(p.Ids))];
        long[] mask =
        [
            .. prompts.SelectMany(p => Enumerable.Repeat(0L, (int)(t - p.Ids.Length)).Concat(p.Ids.Select(_ => 1L))),
        ];
        long[][] grids = [.. prompts.SelectMany(p => p.Grids)];
        long tokens = ImageTokens(prompts);
        Tensor? embeds;
        if (embedsOf is { } source)
            embeds = tokens == 0 ? null : RowEmbeddings(source.Prompts, source.Embeds!, source.Row);
        else
        {
            using var generator = new Generator(17, CPU);
            embeds = randn([tokens, model.Config.HiddenSize], generator: generator);
        }
        return (tensor(ids, [prompts.Length, t]), tensor(mask, [prompts.Length, t]), embeds, grids);
    }

    private static long ImageTokens(IEnumerable<Prompt> prompts) => prompts.Sum(p => p.Ids.LongCount(id => id == I));

    /// <summary>The rows of <paramref name="embeds"/> that belong to prompt <paramref name="row"/>.</summary>
    private static Tensor RowEmbeddings(Prompt[] prompts, Tensor? embeds, int row) =>
        embeds!.narrow(0, ImageTokens(prompts.Take(row)), ImageTokens([prompts[row]]));
}
