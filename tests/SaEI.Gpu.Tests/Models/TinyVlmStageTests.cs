using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Rollout;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models;

public sealed class TinyVlmStageTests
{
    [Fact]
    public void Stages_are_in_forward_order_and_their_bytes_cover_every_parameter_once()
    {
        using var model = TinyModels.Create();
        var stages = model.Stages;
        Assert.Equal(["input", "model.layers.0", "model.layers.1", "output"], stages.Select(s => s.Name));
        long parameterBytes = model.NamedParameters().Sum(p => p.Parameter.numel() * 4); // float32
        Assert.Equal(parameterBytes, stages.Sum(s => s.ParameterBytes));
        Assert.All(stages, s => Assert.True(s.ParameterBytes > 0));
        Assert.All(stages, s => Assert.Equal("cpu", s.Device));
        // input = vision tower + token embedding; output = final norm + untied head (32 hidden × V).
        long vision = model
            .NamedParameters()
            .Where(p => p.Name.StartsWith("visual.", StringComparison.Ordinal))
            .Sum(p => p.Parameter.numel() * 4);
        long embed = model.NamedParameters().Single(p => p.Name == "model.embed_tokens.weight").Parameter.numel() * 4;
        Assert.Equal(vision + embed, stages[0].ParameterBytes);
        Assert.Equal((32 + 32L * model.Info.VocabularySize) * 4, stages[^1].ParameterBytes);
    }

    [Fact]
    public void A_placed_model_computes_the_same_logits_gradients_and_cached_tokens_as_an_unplaced_one()
    {
        // On this CPU-only machine every stage stays on "cpu", but placing turns on the stage-to-stage transfers
        // and per-layer cache devices, so this checks that path end to end (a GPU node moves real tensors).
        using var plain = TinyModels.Create(seed: 3);
        using var placed = TinyModels.Create(seed: 3);
        placed.PlaceStages([.. Enumerable.Repeat(CPU, placed.Stages.Count)]);
        using var prompts = TinyModels.Prompts(plain, 3);
        using var scope = NewDisposeScope();

        Assert.True(
            plain
                .Forward(prompts.Images, prompts.InputIds, prompts.AttentionMask)
                .Same(placed.Forward(prompts.Images, prompts.InputIds, prompts.AttentionMask))
        );

        Tensor PixelGradient(TinyVlm model)
        {
            var pixels = prompts.Images.Pixels.detach().requires_grad_(true);
            var entropy = TeacherForcing
                .ScoreLogits(
                    model.Forward(prompts.Images.WithPixels(pixels), prompts.InputIds, prompts.AttentionMask),
                    prompts.InputIds,
                    prompts.AttentionMask,
                    1.0,
                    computeEntropy: true
                )
                .Entropy!;
            return Gradient(entropy.sum(), pixels);
        }
        Assert.True(PixelGradient(plain).Same(PixelGradient(placed)));

        var options = new GenerationOptions
        {
            ResponsesPerPrompt = 2,
            MaxNewTokens = 6,
            Temperature = 1.0,
        };
        using var g1 = new Generator(11, CPU);
        using var g2 = new Generator(11, CPU);
        using var a = Generation.Generate(plain, prompts, options, g1);
        using var b = Generation.Generate(placed, prompts, options, g2);
        Assert.True(a.ResponseIds.Same(b.ResponseIds));
        Assert.True(a.LogProbs.Same(b.LogProbs));
    }

    [Fact]
    public void Placing_needs_one_device_per_stage()
    {
        using var model = TinyModels.Create();
        var error = Assert.Throws<ArgumentException>(() => model.PlaceStages([CPU, CPU]));
        Assert.Contains("one device per stage (4", error.Message, StringComparison.Ordinal);
    }

    private static Tensor Gradient(Tensor output, Tensor input) => TorchSharp.torch.autograd.grad([output], [input])[0];
}
