using SaEI.Gpu.Models;
using SaEI.Gpu.Objectives;
using SaEI.Gpu.Rollout;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// The update half of an RL step (docs/algorithm.md §1.5–§1.6; EasyR1 <c>dp_actor.update_policy</c>): for each of
/// ppo_epochs passes, the rollout batch in order, split into mini-batches of mini_batch_prompts prompts (B'·G rows);
/// each mini-batch in micro-batches of micro_batch_responses rows whose losses are weighted by the mini-batch's
/// <see cref="MiniBatchTotals"/> (so the accumulated gradient is the mini-batch token mean); then
/// g ← g · min(1, max_grad_norm / (‖g‖ + 1e-6)) and one AdamW step, or no step at all when ‖g‖ is not finite.
/// Current-policy log-probs always use the clean image (Eq. 6).
/// Decisions:
/// 1. Mini-batches are taken in rollout order (no shuffle), so the step is a pure function of its inputs.
/// 2. ‖g‖ is the L2 norm of the per-parameter L2 norms (torch clip_grad_norm_), computed before clipping;
///    actor/grad_norm is its mean over the mini-batches that were not skipped.
/// 3. A skipped mini-batch zeroes its gradients and leaves parameters and AdamW moments untouched.
/// </summary>
internal sealed class PolicyUpdate(
    IPolicyModel policy,
    AdamWOptimizer optimizer,
    RlOptions options,
    Generator clipCovGenerator
)
{
    /// <summary>
    /// Runs every mini-batch. old/ref log-probs, advantages: [N,Tr], [N,Tr] or null, [N]. currentLogProbs (optional,
    /// [N,Tr]) receives the detached current-policy log-probs of each row as computed (routing checks).
    /// </summary>
    public UpdateMetrics Run(
        MixedGroup group,
        Tensor oldLogProbs,
        Tensor? refLogProbs,
        Tensor advantages,
        Tensor? currentLogProbs
    )
    {
        var sums = new UpdateMetrics();
        int rowsPerMiniBatch = options.MiniBatchPrompts * group.GroupSize;
        policy.SetTraining(true);
        try
        {
            for (int epoch = 0; epoch < options.PpoEpochs; epoch++)
            for (int start = 0; start < group.Rows; start += rowsPerMiniBatch)
                MiniBatch(
                    group,
                    start,
                    Math.Min(rowsPerMiniBatch, group.Rows - start),
                    oldLogProbs,
                    refLogProbs,
                    advantages,
                    currentLogProbs,
                    sums
                );
        }
        finally
        {
            policy.SetTraining(false);
        }
        return sums;
    }

    private void MiniBatch(
        MixedGroup group,
        int start,
        int rows,
        Tensor oldLogProbs,
        Tensor? refLogProbs,
        Tensor advantages,
        Tensor? currentLogProbs,
        UpdateMetrics sums
    )
    {
        using var scope = NewDisposeScope();
        optimizer.ZeroGrad();
        var totals = MiniBatchTotals.FromMask(group.ResponseMask.narrow(0, start, rows));
        for (int micro = start; micro < start + rows; micro += options.MicroBatchResponses)
        {
            using var microScope = NewDisposeScope();
            int length = Math.Min(options.MicroBatchResponses, start + rows - micro);
            Tensor Rows(Tensor t) => t.narrow(0, micro, length);
            var logProbs = TeacherForcing
                .Score(
                    policy,
                    group.CleanImages.Narrow(micro, length),
                    Rows(group.PromptIds),
                    Rows(group.PromptMask),
                    Rows(group.ResponseIds),
                    Rows(group.ResponseMask),
                    options.Temperature,
                    computeEntropy: false
                )
                .LogProbs; // [n,Tr]
            var input = new GrpoLossInput(
                logProbs,
                Rows(oldLogProbs),
                refLogProbs is null ? null : Rows(refLogProbs),
                Rows(advantages),
                Rows(group.ResponseMask)
            );
            var result = GrpoLoss.Compute(input, options, totals, clipCovGenerator);
            result.Loss.backward();
            sums.AddMicroBatch(result.Metrics);
            if (currentLogProbs is not null)
                using (no_grad())
                    Rows(currentLogProbs).copy_(logProbs.detach());
        }

        double gradNorm = GradientNorm();
        if (!double.IsFinite(gradNorm))
        {
            optimizer.ZeroGrad();
            sums.SkippedSteps++;
            return;
        }
        Clip(gradNorm);
        optimizer.Step();
        sums.AddOptimizerStep(gradNorm);
    }

    /// <summary>‖g‖₂ over every parameter gradient (a norm of per-parameter norms, as torch clip_grad_norm_).</summary>
    private double GradientNorm()
    {
        using var scope = NewDisposeScope();
        var gradients = policy.NamedParameters().Select(p => p.Parameter.grad).Where(g => g is not null).ToArray();
        var device = gradients.Length > 0 ? gradients[0]!.device : CPU; // stages may sit on several
        var norms = gradients.Select(g => g!.detach().norm().to_type(ScalarType.Float64).to(device)).ToArray();
        return norms.Length == 0 ? 0 : stack(norms).norm().cpu().item<double>();
    }

    private void Clip(double gradNorm)
    {
        double coefficient = options.MaxGradNorm / (gradNorm + 1e-6);
        if (coefficient >= 1)
            return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var coefficientScalar = coefficient.ToScalar();
        foreach (var (_, parameter) in policy.NamedParameters())
            parameter.grad?.mul_(coefficientScalar);
    }
}

/// <summary>Sums of an update's metrics; the means are EasyR1's actor/ values.</summary>
internal sealed class UpdateMetrics
{
    private int microBatches,
        optimizerSteps;
    private double pgLoss,
        klLoss,
        ppoKl,
        clipHigher,
        clipLower,
        covariance,
        gradNorm;

    public int SkippedSteps { get; set; }

    public void AddMicroBatch(GrpoLossMetrics m)
    {
        microBatches++;
        pgLoss += m.PgLoss;
        klLoss += m.KlLoss;
        ppoKl += m.PpoKl;
        clipHigher += m.PgClipfracHigher;
        clipLower += m.PgClipfracLower;
        covariance += m.CovarianceTokenFraction;
    }

    public void AddOptimizerStep(double norm)
    {
        optimizerSteps++;
        gradNorm += norm;
    }

    public double PgLoss => Mean(pgLoss, microBatches);
    public double KlLoss => Mean(klLoss, microBatches);
    public double PpoKl => Mean(ppoKl, microBatches);
    public double PgClipfracHigher => Mean(clipHigher, microBatches);
    public double PgClipfracLower => Mean(clipLower, microBatches);
    public double CovarianceTokenFraction => Mean(covariance, microBatches);

    /// <summary>Mean ‖g‖ over the optimiser steps taken; 0 when every mini-batch was skipped (skipped_steps says
    /// so).</summary>
    public double GradNorm => Mean(gradNorm, optimizerSteps);

    private static double Mean(double sum, int count) => count == 0 ? 0 : sum / count;
}
