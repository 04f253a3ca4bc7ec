using SaEI.Gpu.Objectives;
using SaEI.Gpu.Perturbations;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static SaEI.Gpu.Tests.Objectives.Tensors;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Perturbations;

public sealed class EntropyGuidedAttackTests
{
    public EntropyGuidedAttackTests() => TorchRuntime.Initialize(1);

    // Per prompt b: f_b(x) = Σ w ⊙ x_b + ½ Σ x_b², gradient w + x_b. With |w| ≥ 1.5 the sign is sign(w) for x in [0,1].
    private static Tensor Weights() =>
        torch
            .tensor(
                Enumerable.Range(0, 12).Select(i => i % 3 == 0 ? -1.5 - i * 0.1 : 1.5 + i * 0.1).ToArray(),
                dtype: ScalarType.Float64
            )
            .reshape(1, 3, 2, 2);

    // [B]
    private static Tensor Objective(Tensor x) => (x * Weights()).sum([1, 2, 3]) + 0.5 * x.square().sum([1, 2, 3]);

    private static Tensor Pixels()
    {
        // Two prompts; some pixels sit at or near 0 and 1 so the [0,1] clamp is exercised.
        double[] values =
        [
            0.5,
            0.0,
            1.0,
            0.3,
            0.004,
            0.996,
            0.7,
            0.2,
            0.5,
            0.6,
            0.1,
            0.9,
            1.0,
            0.25,
            0.0,
            0.75,
            0.5,
            0.5,
            0.002,
            0.4,
            0.8,
            0.999,
            0.33,
            0.66,
        ];
        return F64(values, 2, 3, 2, 2);
    }

    [Fact]
    public void One_step_moves_each_pixel_by_eta_along_the_gradient_sign_within_the_clamps()
    {
        using var scope = torch.NewDisposeScope();
        const double eta = 2.0 / 255;
        var pixels = Pixels();
        var result = EntropyGuidedAttack.Attack(pixels, Objective, eta, iterations: 1);

        // Loop reference: x' = clamp(x + η·sign(w), 0, 1) pixel by pixel.
        double[] clean = Values(pixels),
            w = Values(Weights()),
            adversarial = Values(result.Pixels);
        for (int i = 0; i < clean.Length; i++)
        {
            double expected = Math.Clamp(clean[i] + eta * Math.Sign(w[i % 12]), 0, 1);
            Assert.Equal(expected, adversarial[i], 12);
            double moved = Math.Abs(adversarial[i] - clean[i]);
            if (clean[i] >= eta && clean[i] <= 1 - eta)
                Assert.Equal(eta, moved, 12);
            Assert.True(moved <= eta + 1e-15);
        }
        Assert.Equal(2, result.Objectives.Count);
        for (int b = 0; b < 2; b++)
            Assert.True(result.Objectives[1][b] > result.Objectives[0][b], $"prompt {b} was not raised");
        Assert.All(result.LInfinity, l => Assert.Equal(eta, l, 12));
        Assert.Equal(eta, result.MaxLInfinity, 12);
    }

    [Fact]
    public void Several_steps_stay_in_the_k_eta_ball_and_raise_the_objective_each_step()
    {
        using var scope = torch.NewDisposeScope();
        const double eta = 0.01;
        var result = EntropyGuidedAttack.Attack(Pixels(), Objective, eta, iterations: 3);
        double[] clean = Values(Pixels()),
            adversarial = Values(result.Pixels);
        for (int i = 0; i < clean.Length; i++)
        {
            double moved = Math.Abs(adversarial[i] - clean[i]);
            Assert.True(moved <= 3 * eta + 1e-12, $"pixel {i} moved {moved} > 3η");
            Assert.InRange(adversarial[i], 0, 1);
            if (clean[i] >= 3 * eta && clean[i] <= 1 - 3 * eta)
                Assert.Equal(3 * eta, moved, 12);
        }
        Assert.Equal(4, result.Objectives.Count);
        for (int k = 0; k < 3; k++)
        for (int b = 0; b < 2; b++)
            Assert.True(result.Objectives[k + 1][b] > result.Objectives[k][b]);
    }

    [Fact]
    public void Model_parameters_get_no_gradient_and_no_grad_callers_still_attack()
    {
        using var scope = torch.NewDisposeScope();
        var parameter = new TorchSharp.Modules.Parameter(torch.ones(1, 3, 2, 2, dtype: ScalarType.Float64));
        Tensor WithParameter(Tensor x) => (x * parameter * Weights()).sum([1, 2, 3]);
        AdversarialImages result;
        using (torch.no_grad())
            result = EntropyGuidedAttack.Attack(Pixels(), WithParameter, 0.01, 1);
        Assert.True(
            parameter.grad is null || Values(parameter.grad).All(g => g == 0),
            "the attack accumulated a parameter gradient"
        );
        Assert.True(result.Objectives[1].Zip(result.Objectives[0]).All(p => p.First > p.Second));
        Assert.False(result.Pixels.requires_grad);
    }

    [Fact]
    public void Tsec_objective_on_a_tiny_differentiable_policy_is_raised_for_every_prompt()
    {
        using var scope = torch.NewDisposeScope();
        // A stand-in policy: logits [N,T,V] = tanh(features(pixels)) mixed by a fixed matrix; n = 3 responses per
        // prompt of 5 tokens over V = 7. The objective is exactly what the trainer builds from the real model.
        const int prompts = 4,
            responses = 3,
            tokens = 5,
            vocabulary = 7;
        using var generator = new torch.Generator(5, torch.CPU);
        var pixels = torch.rand([prompts, 3, 4, 4], dtype: ScalarType.Float64, generator: generator);
        var mixing = torch.randn(
            [48, responses * tokens * vocabulary],
            dtype: ScalarType.Float64,
            generator: generator
        );
        var mask = F64(PrefixMask(6, prompts * responses, tokens));
        Tensor Policy(Tensor x) =>
            torch.tanh(x.reshape(prompts, 48).matmul(mixing)).reshape(prompts * responses, tokens, vocabulary) * 3;
        Tensor Tsec(Tensor x) =>
            TokenSelector.Objective(TokenEntropy.FromLogits(Policy(x)), mask, TokenSelection.Moderate, responses);

        var result = EntropyGuidedAttack.Attack(pixels, Tsec, new RlOptions { StepSize = 1e-3, Iterations = 1 });
        for (int b = 0; b < prompts; b++)
            Assert.True(
                result.Objectives[1][b] > result.Objectives[0][b],
                $"prompt {b}: {result.Objectives[0][b]} → {result.Objectives[1][b]}"
            );
        Assert.True(result.MaxLInfinity <= 1e-3 + 1e-15);
        Assert.Equal(1.0, result.RaisedFraction);
    }

    [Fact]
    public void Pixels_outside_zero_one_are_rejected_with_the_fix()
    {
        using var scope = torch.NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() =>
            EntropyGuidedAttack.Attack(Pixels() * 255, Objective, 0.01, 1)
        );
        Assert.Contains("[0,1]", error.Message);
        Assert.Contains("255", error.Message);
    }
}
