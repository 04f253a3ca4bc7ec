using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Rollout;

public sealed class TeacherForcingTests
{
    [Fact]
    public void Log_probs_and_entropy_match_hand_computed_values()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        // One row, two tokens, V = 2. Token 0: z = [0, ln 3] at T = 1 → p = [1/4, 3/4],
        //   H = −(¼ ln ¼ + ¾ ln ¾) = 0.5623351446, log p(token 1) = ln ¾.
        // Token 1: masked out → both values 0.
        var logits = tensor(new[] { 0.0, Math.Log(3), 5.0, -1.0 }, [1, 2, 2], float64);
        var ids = tensor(new long[] { 1, 0 }, [1, 2]);
        var mask = tensor(new long[] { 1, 0 }, [1, 2]);
        using var scores = TeacherForcing.ScoreLogits(logits, ids, mask, 1.0, computeEntropy: true);
        Assert.Equal(Math.Log(0.75), scores.LogProbs[0, 0].item<double>(), 10);
        Assert.Equal(0.5623351446, scores.Entropy![0, 0].item<double>(), 9);
        Assert.Equal(0.0, scores.LogProbs[0, 1].item<double>());
        Assert.Equal(0.0, scores.Entropy[0, 1].item<double>());
        // At T = 2: p ∝ [1, √3] → H = ln(1+√3) − (√3/(1+√3))·(ln 3)/2.
        using var hot = TeacherForcing.ScoreLogits(logits, ids, mask, 2.0, computeEntropy: true);
        double s = Math.Sqrt(3);
        Assert.Equal(Math.Log(1 + s) - s / (1 + s) * Math.Log(3) / 2, hot.Entropy![0, 0].item<double>(), 9);
    }

    [Fact]
    public void Vectorised_scores_equal_a_per_token_loop_over_the_model_logits()
    {
        using var model = TinyModels.Create();
        using var scope = NewDisposeScope();
        using var rollout = SampleRollout(model, temperature: 1.0);
        const double temperature = 0.7;
        using var noGrad = no_grad();
        using var scores = TeacherForcing.Score(
            model,
            rollout.Images,
            rollout.PromptIds,
            rollout.PromptMask,
            rollout.ResponseIds,
            rollout.ResponseMask,
            temperature,
            computeEntropy: true
        );
        var logits = model
            .Forward(
                rollout.Images,
                cat([rollout.PromptIds, rollout.ResponseIds], 1),
                cat([rollout.PromptMask, rollout.ResponseMask], 1)
            )
            .to_type(float64);
        long promptLength = rollout.PromptIds.shape[1],
            rows = rollout.Count,
            length = rollout.ResponseIds.shape[1];
        for (long n = 0; n < rows; n++)
        {
            for (long t = 0; t < length; t++)
            {
                double[] z = logits[n, promptLength - 1 + t].data<double>().Select(v => v / temperature).ToArray();
                double max = z.Max(),
                    sum = z.Sum(v => Math.Exp(v - max)),
                    logSumExp = max + Math.Log(sum);
                double entropy = -z.Sum(v => Math.Exp(v - logSumExp) * (v - logSumExp)); // −Σ p log p
                double logProb = z[rollout.ResponseIds[n, t].item<long>()] - logSumExp;
                bool valid = rollout.ResponseMask[n, t].item<long>() == 1;
                Assert.Equal(valid ? logProb : 0, scores.LogProbs[n, t].item<float>(), 4);
                Assert.Equal(valid ? entropy : 0, scores.Entropy![n, t].item<float>(), 4);
            }
        }
    }

    [Fact]
    public void Chunked_scores_equal_unchunked_scores()
    {
        using var model = TinyModels.Create();
        using var rollout = SampleRollout(model, temperature: 1.0);
        using var noGrad = no_grad();
        using var whole = TeacherForcing.Score(
            model,
            rollout.Images,
            rollout.PromptIds,
            rollout.PromptMask,
            rollout.ResponseIds,
            rollout.ResponseMask,
            1.0,
            true
        );
        using var chunked = TeacherForcing.Score(
            model,
            rollout.Images,
            rollout.PromptIds,
            rollout.PromptMask,
            rollout.ResponseIds,
            rollout.ResponseMask,
            1.0,
            true,
            chunkRows: 3
        );
        Assert.True(whole.LogProbs.allclose(chunked.LogProbs, rtol: 0, atol: 1e-6));
        Assert.True(whole.Entropy!.allclose(chunked.Entropy!, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Entropy_gradient_with_respect_to_pixels_is_finite_nonzero_and_matches_finite_differences()
    {
        // float64 copy of the model: central differences with ε = 1e-5 have O(ε²) ≈ 1e-10 error.
        using var model = TinyModels.Create();
        using var rollout = SampleRollout(model, temperature: 1.0);
        model.to(float64);
        using var scope = NewDisposeScope();
        var pixels = rollout.Images.Pixels.to_type(float64).detach().requires_grad_(true);
        var loss = MeanResponseEntropy(model, rollout.Images.WithPixels(pixels), rollout);
        loss.backward();
        var gradient = pixels.grad!.clone(); // [N,3,H,W]
        Assert.True(gradient.isfinite().all().item<bool>());
        Assert.True(gradient.abs().max().item<double>() > 1e-8);

        const double epsilon = 1e-5;
        using var noGrad = no_grad();
        long[][] probes =
        [
            [0, 0, 0, 0],
            [1, 2, 5, 7],
            [3, 1, 15, 15],
            [5, 0, 8, 3],
        ];
        foreach (long[] at in probes)
        {
            var plus = pixels.detach().clone();
            plus[at[0], at[1], at[2], at[3]] += epsilon;
            var minus = pixels.detach().clone();
            minus[at[0], at[1], at[2], at[3]] -= epsilon;
            double numeric =
                (
                    MeanResponseEntropy(model, rollout.Images.WithPixels(plus), rollout).item<double>()
                    - MeanResponseEntropy(model, rollout.Images.WithPixels(minus), rollout).item<double>()
                ) / (2 * epsilon);
            double analytic = gradient[at[0], at[1], at[2], at[3]].item<double>();
            Assert.True(
                Math.Abs(numeric - analytic) <= 1e-6 + 1e-4 * Math.Abs(analytic),
                $"pixel [{string.Join(",", at)}]: analytic {analytic}, numeric {numeric}"
            );
        }
    }

    [Fact]
    public void Log_prob_gradient_reaches_every_parameter()
    {
        using var model = TinyModels.Create();
        using var rollout = SampleRollout(model, temperature: 1.0);
        model.SetTraining(true);
        using var scope = NewDisposeScope();
        using var scores = TeacherForcing.Score(
            model,
            rollout.Images,
            rollout.PromptIds,
            rollout.PromptMask,
            rollout.ResponseIds,
            rollout.ResponseMask,
            1.0,
            false
        );
        scores.LogProbs.sum().backward();
        foreach (var (name, parameter) in model.NamedParameters())
        {
            using var grad = parameter.grad;
            Assert.True(grad is not null && grad.abs().sum().item<float>() > 0, $"{name} got no gradient");
        }
    }

    /// <summary>H = mean over rows of the mean over each response's tokens of H_t (Eq. 3, docs/algorithm.md §2).
    /// </summary>
    private static Tensor MeanResponseEntropy(TinyVlm model, ImageBatch images, RolloutBatch rollout)
    {
        using var scores = TeacherForcing.Score(
            model,
            images,
            rollout.PromptIds,
            rollout.PromptMask,
            rollout.ResponseIds,
            rollout.ResponseMask,
            1.0,
            true
        );
        var mask = rollout.ResponseMask.to_type(float64);
        return (scores.Entropy!.sum(1) / mask.sum(1).clamp_min(1)).mean();
    }

    private static RolloutBatch SampleRollout(TinyVlm model, double temperature)
    {
        using var prompts = TinyModels.Prompts(model, 3);
        using var generator = new Generator(21, CPU);
        var options = new GenerationOptions
        {
            ResponsesPerPrompt = 2,
            Temperature = temperature,
            MaxNewTokens = 6,
        };
        return Generation.Generate(model, prompts, options, generator);
    }
}
