using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Rollout;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models;

/// <summary>
/// Issue 12 invariants for TinyVlm on a batch whose images have different sizes (16×16 = the model's square, and
/// 12×20, resized inside the forward): a row's logits do not depend on the other row nor on the padding, cached
/// decoding equals full recompute, permuting the batch permutes the outputs, and gradients never reach the padding.
/// </summary>
public sealed class TinyVlmMixedSizeTests
{
    private static readonly ImageSize[] Sizes = [new(16, 16), new(12, 20)];

    /// <summary>Two prompts of different lengths (left padding) with images of the given sizes, seeded.</summary>
    private static PromptBatch MixedPrompts(TinyVlm model, IReadOnlyList<ImageSize> sizes, long seed = 7)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed, CPU);
        var images = sizes.Select(size => rand([3, size.Height, size.Width], generator: generator)).ToList();
        string[] problems =
        [
            .. Enumerable.Range(0, sizes.Count).Select(i => "What is " + new string('7', 3 * i + 1) + " + 1?"),
        ];
        var batch = PromptBatch.Create(model, images, problems);
        batch.Images.Pixels.DetachFromDisposeScope();
        batch.InputIds.DetachFromDisposeScope();
        batch.AttentionMask.DetachFromDisposeScope();
        return batch;
    }

    /// <summary>Row <paramref name="row"/> on its own: its image unpadded, its prompt without left padding.</summary>
    private static Tensor RowAlone(TinyVlm model, PromptBatch batch, int row)
    {
        long length = batch.InputIds.shape[1],
            padding = length - batch.AttentionMask[row].sum().item<long>();
        var image = ImageBatch.Pack([batch.Images.Image(row)], CPU);
        return model.Forward(
            image,
            batch.InputIds[row].narrow(0, padding, length - padding).unsqueeze(0),
            batch.AttentionMask[row].narrow(0, padding, length - padding).unsqueeze(0)
        )[0]; // [T_row,V]
    }

    [Fact]
    public void A_rows_logits_depend_neither_on_the_other_row_nor_on_the_padding()
    {
        using var model = TinyModels.Create();
        using var scope = NewDisposeScope();
        using var batch = MixedPrompts(model, Sizes);
        using var noGrad = no_grad();
        Assert.Equal([2L, 3, 16, 20], batch.Images.Pixels.shape);
        var logits = model.Forward(batch.Images, batch.InputIds, batch.AttentionMask); // [2,Tp,V]
        // Garbage in the padding changes nothing: the model never reads it.
        var padding = 1 - batch.Images.Mask(); // [2,1,16,20]
        var noisyPadding = batch.Images.WithPixels(batch.Images.Pixels.add(padding.mul(0.7)));
        Assert.True(logits.Same(model.Forward(noisyPadding, batch.InputIds, batch.AttentionMask)));
        long length = batch.InputIds.shape[1];
        for (int row = 0; row < 2; row++)
        {
            var alone = RowAlone(model, batch, row);
            var same = logits[row].narrow(0, length - alone.shape[0], alone.shape[0]);
            Assert.True(
                same.allclose(alone, rtol: 0, atol: 1e-5),
                $"row {row} ({Sizes[row]}): max diff {(same - alone).abs().max().item<float>()}"
            );
        }
        // The resized row really sees its own image: another image of that size changes its logits.
        var other = batch.Images.WithPixels(batch.Images.Pixels.mul(batch.Images.Mask()).mul(0.5));
        Assert.True(
            (model.Forward(other, batch.InputIds, batch.AttentionMask)[1] - logits[1]).abs().max().item<float>() > 1e-4
        );
    }

    [Fact]
    public void Permuting_the_batch_permutes_the_outputs()
    {
        using var model = TinyModels.Create(seed: 2);
        using var scope = NewDisposeScope();
        ImageSize[] sizes = [new(12, 20), new(16, 16), new(20, 8)];
        using var batch = MixedPrompts(model, sizes, seed: 9);
        using var noGrad = no_grad();
        var logits = model.Forward(batch.Images, batch.InputIds, batch.AttentionMask); // [3,Tp,V]
        var order = tensor(new long[] { 2, 0, 1 });
        var permuted = model.Forward(
            batch.Images.IndexSelect(order),
            batch.InputIds.index_select(0, order),
            batch.AttentionMask.index_select(0, order)
        );
        var expected = logits.index_select(0, order);
        Assert.True(
            permuted.allclose(expected, rtol: 0, atol: 1e-5),
            $"max diff {(permuted - expected).abs().max().item<float>()}"
        );
    }

    [Fact]
    public void Cached_decoding_equals_full_recompute_on_mixed_sizes()
    {
        using var model = TinyModels.Create(seed: 3);
        using var scope = NewDisposeScope();
        using var batch = MixedPrompts(model, Sizes, seed: 5);
        var options = new GenerationOptions
        {
            ResponsesPerPrompt = 2,
            Temperature = 0,
            MaxNewTokens = 10,
        };
        using var cachedGenerator = new Generator(1, CPU);
        using var recomputedGenerator = new Generator(1, CPU);
        using var cached = Generation.Generate(model, batch, options, cachedGenerator, useKvCache: true);
        using var recomputed = Generation.Generate(model, batch, options, recomputedGenerator, useKvCache: false);
        Assert.True(cached.ResponseIds.Same(recomputed.ResponseIds));
        Assert.True(cached.LogProbs.allclose(recomputed.LogProbs, rtol: 0, atol: 1e-4));
        Assert.Equal([Sizes[0], Sizes[0], Sizes[1], Sizes[1]], cached.Images.Sizes);
    }

    [Fact]
    public void Gradients_reach_each_image_and_never_the_padding()
    {
        using var model = TinyModels.Create(seed: 4);
        using var scope = NewDisposeScope();
        using var batch = MixedPrompts(model, Sizes, seed: 6);
        var pixels = batch.Images.Pixels.detach().requires_grad_(true);
        var logits = model.Forward(batch.Images.WithPixels(pixels), batch.InputIds, batch.AttentionMask);
        var entropy = TeacherForcing
            .ScoreLogits(logits, batch.InputIds, batch.AttentionMask, 1.0, computeEntropy: true)
            .Entropy!;
        var gradient = autograd.grad([entropy.sum()], [pixels])[0]; // [2,3,16,20]
        var mask = batch.Images.Mask().expand_as(gradient).to_type(ScalarType.Bool);
        Assert.Equal(0, gradient.masked_select(mask.logical_not()).abs().max().item<float>());
        for (int row = 0; row < 2; row++)
            Assert.True(gradient[row].abs().sum().item<float>() > 0, $"row {row} got no gradient");
    }
}
