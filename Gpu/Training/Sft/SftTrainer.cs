using SaEI.Gpu.Models;
using SaEI.Gpu.Rollout;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training.Sft;

/// <summary>One optimiser step's record: step (0-based), learning rate, mean token loss, gradient norm before
/// clipping.</summary>
public sealed record SftStep(int Step, double LearningRate, double Loss, double GradNorm);

/// <summary>
/// Supervised fine-tuning by teacher forcing: for B examples with response tokens o (target then end-of-sequence),
///   loss = −(1 / Σ_{b,t} m_bt) · Σ_{b,t} m_bt · log π(o_bt | image_b, prompt_b, o_b,&lt;t)
/// (token-mean cross-entropy over the response only, the prompt is not trained), minimised with AdamW.
/// Decisions:
/// 1. Deterministic: examples are visited in epochs of a seeded permutation (<see cref="SftOptions.ShuffleSeed"/>),
///    the batch continuing into the next epoch when one runs out; with a fixed thread count the run repeats bit
///    for bit.
/// 2. Learning rate: linear warm-up then cosine decay to 10 % (<see cref="SftOptions.LearningRateAt"/>); the global
///    gradient norm is clipped to <see cref="SftOptions.MaxGradNorm"/> (EasyR1 max_grad_norm).
/// 3. Log-probabilities come from <see cref="TeacherForcing.Score"/> at temperature 1, the same code RL scores with.
/// </summary>
public static class SftTrainer
{
    /// <summary>Trains <paramref name="model"/> in place for <see cref="SftOptions.Steps"/> steps; returns every step's
    /// record.</summary>
    public static IReadOnlyList<SftStep> Train(
        IPolicyModel model,
        SftDataset data,
        SftOptions options,
        Action<SftStep>? onStep = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var parameters = model.NamedParameters();
        using var optimizer = new AdamWOptimizer(parameters, options.LearningRate, weightDecay: options.WeightDecay);
        using var order = new ExampleOrder(data.Count, options.ShuffleSeed);
        var steps = new List<SftStep>(options.Steps);
        model.SetTraining(true);
        for (int step = 0; step < options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            optimizer.LearningRate = options.LearningRateAt(step);
            var (loss, gradNorm) = TrainStep(
                model,
                data,
                order.Next(options.BatchSize),
                optimizer,
                options.MaxGradNorm
            );
            var record = new SftStep(step, optimizer.LearningRate, loss, gradNorm);
            steps.Add(record);
            onStep?.Invoke(record);
        }
        model.SetTraining(false);
        return steps;
    }

    /// <summary>Mean token cross-entropy of the examples at <paramref name="indices"/> (no gradient).</summary>
    public static double Loss(IPolicyModel model, SftDataset data, IReadOnlyList<long> indices)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return BatchLoss(model, data.Batch(indices)).item<float>();
    }

    private static (double Loss, double GradNorm) TrainStep(
        IPolicyModel model,
        SftDataset data,
        IReadOnlyList<long> indices,
        AdamWOptimizer optimizer,
        double maxGradNorm
    )
    {
        using var scope = NewDisposeScope();
        optimizer.ZeroGrad();
        var loss = BatchLoss(model, data.Batch(indices)); // scalar
        loss.backward();
        var parameters = model.NamedParameters().Select(p => p.Parameter).ToList();
        double gradNorm =
            maxGradNorm > 0
                ? nn.utils.clip_grad_norm_(parameters, maxGradNorm)
                : nn.utils.clip_grad_norm_(parameters, double.MaxValue);
        optimizer.Step();
        return (loss.item<float>(), gradNorm);
    }

    private static Tensor BatchLoss(IPolicyModel model, SftBatch batch)
    {
        var scores = TeacherForcing.Score(
            model,
            batch.Images,
            batch.PromptIds,
            batch.PromptMask,
            batch.ResponseIds,
            batch.ResponseMask,
            temperature: 1.0,
            computeEntropy: false
        ); // logProbs [N,Tr], 0 off the mask
        return -scores.LogProbs.sum() / batch.ResponseMask.sum().to_type(float32);
    }

    /// <summary>Indices in epochs of seeded random permutations.</summary>
    private sealed class ExampleOrder(int count, long seed) : IDisposable
    {
        private readonly Generator generator = new((ulong)seed, CPU);
        private long[] permutation = [];
        private int position;

        public IReadOnlyList<long> Next(int batchSize)
        {
            var indices = new long[batchSize];
            for (int i = 0; i < batchSize; i++)
            {
                if (position == permutation.Length)
                {
                    using var drawn = randperm(count, generator: generator);
                    permutation = drawn.data<long>().ToArray();
                    position = 0;
                }
                indices[i] = permutation[position++];
            }
            return indices;
        }

        public void Dispose() => generator.Dispose();
    }
}
