using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tests.Models;
using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

/// <summary>Issue #4 acceptance for EgAS on a real (fixed, untrained) TinyVlm, through the trainer's
/// objective.</summary>
public sealed class EgasOnModelTests
{
    [Theory]
    [InlineData(RlMethod.Saei)]
    [InlineData(RlMethod.EgasOnly)]
    public void One_step_raises_the_selected_token_entropy_for_95_percent_of_prompts_and_moves_pixels_by_eta(
        RlMethod method
    )
    {
        const int prompts = 20;
        const double eta = 2.0 / 255.0;
        using var model = TinyModels.Create(seed: 4);
        using var scope = NewDisposeScope();
        using var batch = TinyModels.Prompts(model, prompts, seed: 8);
        using var generator = new Generator(3, CPU);
        using var rollout = Generation.Generate(
            model,
            batch,
            new GenerationOptions { ResponsesPerPrompt = 4, MaxNewTokens = 12 },
            generator
        );
        var options = new RlOptions
        {
            Method = method,
            StepSize = eta,
            Iterations = 1,
        };

        var attack = RolloutPerturbation.Attack(model, batch.Images, rollout, options);

        Assert.True(attack.RaisedFraction >= 0.95, $"EgAS raised H_sel for {attack.RaisedFraction:P0} of prompts");
        // Where neither [0,1] nor the K·η ball clamps (clean pixel in [η, 1−η]), each pixel moved by exactly η.
        var moved = (attack.Pixels - batch.Images.Pixels).abs();
        var free = batch.Images.Pixels.ge(eta).logical_and(batch.Images.Pixels.le(1 - eta));
        Assert.True(free.sum().item<long>() > 1000);
        Assert.True(
            (moved.masked_select(free) - eta).abs().max().item<float>() < 1e-6,
            "a free pixel moved by other than η"
        );
        Assert.True(moved.max().item<float>() <= eta + 1e-6);
        Assert.All(attack.LInfinity, l => Assert.Equal(eta, l, 6));
        Assert.True(attack.Pixels.min().item<float>() >= 0 && attack.Pixels.max().item<float>() <= 1);
        // The model's parameters need gradients again afterwards (the attack switched them off).
        Assert.All(model.NamedParameters(), p => Assert.True(p.Parameter.requires_grad, p.Name));
    }
}
