using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// A policy can sample <c>&lt;|vision_start|&gt;</c> / <c>&lt;|image_pad|&gt;</c> in a response (a random model does).
/// The next teacher-forced pass must not take them for a second image: on the policy path (one image per row, announced
/// in the prompt) later placeholders are text, with text positions and their token embedding — which is what the KV
/// cache gave them while sampling, so full recompute still equals cached decoding.
/// </summary>
public sealed class StrayPlaceholderTests
{
    [Fact]
    public void Placeholders_sampled_after_the_prompt_are_text_in_both_the_full_and_the_cached_path()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = Qwen25VlModel.Load(ReferenceCaseA.Folder, CPU);
        model.eval();
        using var inputs = ReferenceCaseA.Inputs();
        var config = model.Config;
        using var images = ImageBatch.Pack([inputs.Images[0]], CPU);
        long[] stray =
        [
            config.VisionStartTokenId,
            config.ImageTokenId,
            config.ImageTokenId,
            config.VisionEndTokenId,
            53,
        ];
        var ids = cat([inputs.InputIds, tensor(stray, [1, stray.Length], ScalarType.Int64)], 1); // [1,Tp+5]
        var mask = ones_like(ids);

        var full = model.Forward(images, ids, mask); // [1,T,V]
        Assert.True(full.isfinite().all().item<bool>());

        long promptLength = inputs.InputIds.shape[1];
        using var session = model.StartDecoding(images, inputs.InputIds, inputs.AttentionMask, stray.Length);
        var logits = session.Prefill();
        for (int k = 0; k < stray.Length; k++)
        {
            var expected = full.select(1, promptLength - 1 + k); // [1,V]
            double difference = (logits - expected).abs().max().item<float>();
            Assert.True(difference < 5e-5, $"step {k}: cached and full logits differ by {difference}.");
            logits = session.Append(tensor(new[] { stray[k] }, ScalarType.Int64));
        }
        double last = (logits - full.select(1, -1)).abs().max().item<float>();
        Assert.True(last < 5e-5, $"after the stray tokens: cached and full logits differ by {last}.");
    }
}
