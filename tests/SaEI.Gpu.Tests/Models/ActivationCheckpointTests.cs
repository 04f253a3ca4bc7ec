using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Tests.Models.Qwen25Vl;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models;

/// <summary>
/// Issue 13 acceptance: with activation checkpointing the gradients of a loss w.r.t. every parameter and the input
/// pixels equal those without it (case A's tiny Qwen2.5-VL in float64 on CPU), and the blocks were in fact recomputed.
/// </summary>
[Collection(nameof(ActivationCheckpointTests))]
public sealed class ActivationCheckpointTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Qwen_gradients_of_parameters_and_pixels_equal_with_and_without_checkpointing_in_float64()
    {
        using var model = Qwen25VlTestModels.CaseA(ScalarType.Float32);
        model.to(ScalarType.Float64);
        var notFloat64 = model
            .named_parameters()
            .Where(p => p.parameter.dtype != ScalarType.Float64)
            .Select(p => p.name)
            .ToList();
        Assert.True(notFloat64.Count == 0, $"parameters not in float64: {string.Join(", ", notFloat64)}");
        using var inputs = ReferenceCaseA.Inputs();
        int blocks = model.Config.NumHiddenLayers + model.Config.Vision.Depth;

        var (plain, plainPixels) = Gradients(model, inputs, checkpointing: false);
        long before = ActivationCheckpoint.Recomputations;
        var (checkpointed, checkpointedPixels) = Gradients(model, inputs, checkpointing: true);
        long recomputed = ActivationCheckpoint.Recomputations - before;

        Assert.True(
            recomputed >= blocks,
            $"expected {blocks} decoder layers and vision blocks recomputed in backward, counted {recomputed}"
        );
        Assert.Equal(plain.Keys.Order(), checkpointed.Keys.Order());
        foreach (var (name, expected) in plain)
            AssertEqual(name, expected, checkpointed[name]);
        AssertEqual("pixels", plainPixels, checkpointedPixels);
        Assert.Equal(ScalarType.Float64, plainPixels.dtype);
        Assert.True(
            plainPixels.abs().max().item<double>() > 1e-9,
            "the pixel gradient is zero: the loss does not reach the images"
        );
        foreach (var tensor in plain.Values.Concat(checkpointed.Values).Append(plainPixels).Append(checkpointedPixels))
            tensor.Dispose();
    }

    [Fact]
    public void TinyVlm_gradients_equal_with_and_without_checkpointing_in_float64()
    {
        using var model = TinyModels.Create();
        model.to(ScalarType.Float64);
        using var prompts = TinyModels.Prompts(model, 3);
        Dictionary<string, Tensor> Gradients(bool checkpointing)
        {
            model.ActivationCheckpointing = checkpointing;
            model.zero_grad();
            using (var scope = NewDisposeScope())
            {
                using var images = prompts.Images.WithPixels(prompts.Images.Pixels.to_type(ScalarType.Float64));
                var logits = model.Forward(images, prompts.InputIds, prompts.AttentionMask); // [N,T,V]
                using var generator = new Generator(12, CPU);
                logits
                    .log_softmax(-1)
                    .mul(randn(logits.shape, ScalarType.Float64, generator: generator))
                    .sum()
                    .backward();
            }
            return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone());
        }

        var plain = Gradients(checkpointing: false);
        long before = ActivationCheckpoint.Recomputations;
        var checkpointed = Gradients(checkpointing: true);
        Assert.True(
            ActivationCheckpoint.Recomputations - before >= model.Config.Layers,
            "the decoder layers were not recomputed in backward"
        );
        foreach (var (name, expected) in plain)
        {
            Assert.Equal(ScalarType.Float64, expected.dtype);
            AssertEqual(name, expected, checkpointed[name]);
        }
    }

    [Fact]
    public void Checkpointed_block_runs_again_in_backward_and_not_under_no_grad()
    {
        var linear = nn.Linear(4, 3, hasBias: true, dtype: ScalarType.Float64);
        using var generator = new Generator(5, CPU);
        var x = randn([2, 4], ScalarType.Float64, generator: generator).requires_grad_(true);
        var scale = randn([2, 3], ScalarType.Float64, generator: generator);
        int calls = 0;
        Tensor Block(Tensor h, IReadOnlyList<Tensor> context)
        {
            calls++;
            return linear.forward(h).tanh().mul(context[0]);
        }

        linear.forward(x).tanh().mul(scale).pow(2).sum().backward();
        var expectedWeight = linear.weight!.grad!.clone();
        var expectedInput = x.grad!.clone();
        linear.zero_grad();
        x.grad!.zero_();

        ActivationCheckpoint.Run(linear, x, [scale], Block).pow(2).sum().backward();
        Assert.Equal(2, calls);
        AssertEqual("weight", expectedWeight, linear.weight!.grad!);
        AssertEqual("input", expectedInput, x.grad!);

        using (no_grad())
            ActivationCheckpoint.Run(linear, x, [scale], Block);
        Assert.Equal(3, calls);
    }

    [Fact]
    public void Gradient_with_respect_to_the_input_only_leaves_parameter_grads_untouched()
    {
        var linear = nn.Linear(4, 3, hasBias: false, dtype: ScalarType.Float64);
        using var generator = new Generator(6, CPU);
        var x = randn([2, 4], ScalarType.Float64, generator: generator).requires_grad_(true);
        var y = ActivationCheckpoint.Run(linear, x, [], (h, _) => linear.forward(h).sin());
        var gradient = autograd.grad([y.sum()], [x])[0];
        var expected = linear.forward(x).cos().matmul(linear.weight!); // [2,4] = cos(xWᵀ)·W
        AssertEqual("input", expected, gradient);
        Assert.Null(linear.weight!.grad);
    }

    private static (Dictionary<string, Tensor> Parameters, Tensor Pixels) Gradients(
        Qwen25VlModel model,
        ModelCase inputs,
        bool checkpointing
    )
    {
        model.ActivationCheckpointing = checkpointing;
        model.zero_grad();
        using var packed = ImageBatch.Pack(inputs.Images, CPU); // float32 [N,3,H,W]
        var pixels = packed.Pixels.to_type(ScalarType.Float64).detach().requires_grad_(true);
        using var images = packed.WithPixels(pixels);
        using (var scope = NewDisposeScope())
        {
            var logits = model.Forward(images, inputs.InputIds, inputs.AttentionMask); // [N,T,V]
            using var generator = new Generator(11, CPU);
            var weights = randn(logits.shape, ScalarType.Float64, generator: generator);
            logits.log_softmax(-1).mul(weights).sum().backward();
        }
        var gradients = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone());
        return (gradients, pixels.grad!.detach().clone());
    }

    private static void AssertEqual(string name, Tensor expected, Tensor actual)
    {
        double scale = Math.Max(1.0, expected.abs().max().item<double>());
        double difference = (expected - actual).abs().max().item<double>();
        Assert.True(
            difference <= Tolerance * scale,
            $"{name}: gradients differ by {difference:G3} (largest |g| {scale:G3}, tolerance {Tolerance:G1} relative)"
        );
    }
}
