using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// Issue 12: the image processor and the vision tower against Hugging Face's numbers for case A (tolerances of the
/// README in tests/data/qwen25vl), from the weights of model.safetensors loaded by their checkpoint names.
/// </summary>
public sealed class Qwen25VlVisionCaseATests
{
    [Fact]
    public void Processor_gives_hf_pixel_values_and_grid()
    {
        using var inputs = ReferenceCaseA.Inputs();
        var expected = ReferenceCaseA.Expected();
        var processor = new Qwen25VlImageProcessor(ReferenceCaseA.Config().Vision);
        var (pixelValues, grid) = processor.Preprocess(inputs.Images);
        using (pixelValues)
        {
            ReferenceCaseA.AssertClose("pixel_values", pixelValues, expected["pixel_values"], 2e-6);
            using var gridTensor = Qwen25VlImageProcessor.GridTensor(grid);
            Assert.Equal(expected["image_grid_thw"].data<long>().ToArray(), gridTensor.data<long>().ToArray());
            Assert.Equal(20, processor.TokenCount(new ImageSize(112, 140)));
        }
        foreach (var tensor in expected.Values)
            tensor.Dispose();
    }

    [Fact]
    public void Vision_tower_matches_hf_intermediates_and_image_embeds()
    {
        using var inputs = ReferenceCaseA.Inputs();
        var expected = ReferenceCaseA.Expected();
        using var model = VisionTestModels.CaseA();
        var processor = new Qwen25VlImageProcessor(model.Config);
        var (pixelValues, grid) = processor.Preprocess(inputs.Images);
        using (pixelValues)
        using (no_grad())
        using (var run = model.ForwardWithIntermediates(pixelValues, grid))
        {
            ReferenceCaseA.AssertClose("vision.patch_embed", run.PatchEmbed, expected["vision.patch_embed"], 1e-4);
            ReferenceCaseA.AssertClose(
                "vision.rotary_pos_emb",
                run.RotaryAngles,
                expected["vision.rotary_pos_emb"],
                1e-5
            );
            Assert.Equal(expected["vision.window_index"].data<long>().ToArray(), run.WindowIndex);
            Assert.Equal(
                expected["vision.cu_window_seqlens"].data<long>().ToArray(),
                run.CuWindowSeqlens.Select(v => (long)v)
            );
            Assert.Equal(expected["vision.cu_seqlens"].data<long>().ToArray(), run.CuSeqlens.Select(v => (long)v));
            Assert.Equal(model.Config.Depth, run.BlockOutputs.Count);
            for (int i = 0; i < run.BlockOutputs.Count; i++)
                ReferenceCaseA.AssertClose(
                    $"vision.block_out.{i}",
                    run.BlockOutputs[i],
                    expected[$"vision.block_out.{i}"],
                    1e-4
                );
            ReferenceCaseA.AssertClose("image_embeds", run.ImageEmbeds, expected["image_embeds"], 2e-5);
            using var plain = model.Forward(pixelValues, grid);
            Assert.True(
                plain.eq(run.ImageEmbeds).all().item<bool>(),
                "Forward and ForwardWithIntermediates must run the same computation."
            );
        }
        foreach (var tensor in expected.Values)
            tensor.Dispose();
    }

    [Fact]
    public void The_checkpoint_names_are_exactly_the_modules_and_nest_under_visual()
    {
        using var model = new Qwen25VlVisionModel(ReferenceCaseA.Config().Vision);
        var all = ReferenceCaseA.Weights();
        var visual = all.Keys.Where(k => k.StartsWith("visual.", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(visual, model.state_dict().Keys.Select(k => "visual." + k).Order());
        Assert.Equal(12 * 4 + 1 + 5, visual.Count);
        Assert.Equal([32, 3, 2, 14, 14], model.state_dict()["patch_embed.proj.weight"].shape);
        foreach (var tensor in all.Values)
            tensor.Dispose();
    }

    [Fact]
    public void A_missing_or_extra_vision_tensor_fails_the_load()
    {
        using var model = new Qwen25VlVisionModel(ReferenceCaseA.Config().Vision);
        var all = ReferenceCaseA.Weights();
        var weights = all.Where(p => p.Key.StartsWith("visual.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key["visual.".Length..], p => p.Value);
        var missing = new Dictionary<string, Tensor>(weights);
        missing.Remove("merger.mlp.2.bias");
        Assert.ThrowsAny<Exception>(() => VisionTestModels.LoadByName(model, missing));
        var extra = new Dictionary<string, Tensor>(weights) { ["rotary_pos_emb.inv_freq"] = zeros(4) };
        Assert.ThrowsAny<Exception>(() => VisionTestModels.LoadByName(model, extra));
        foreach (var tensor in all.Values)
            tensor.Dispose();
    }

    [Fact]
    public void Bf16_tower_stays_close_to_hf()
    {
        using var inputs = ReferenceCaseA.Inputs();
        var expected = ReferenceCaseA.Expected();
        using var model = VisionTestModels.CaseA(ScalarType.BFloat16);
        var (pixelValues, grid) = new Qwen25VlImageProcessor(model.Config).Preprocess(inputs.Images);
        using (pixelValues)
        using (no_grad())
        using (var embeds = model.Forward(pixelValues, grid))
        {
            Assert.Equal(ScalarType.BFloat16, embeds.dtype);
            double scale = expected["image_embeds"].abs().max().item<float>();
            // measured 0.0044 of max 0.62
            ReferenceCaseA.AssertClose("image_embeds (bf16)", embeds, expected["image_embeds"], 0.02 * scale);
        }
        foreach (var tensor in expected.Values)
            tensor.Dispose();
    }
}
