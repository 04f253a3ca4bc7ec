using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// Issue 12: EgAS attacks the [0,1] image through the processor and the tower, so d(Σ image_embeds · R)/d(pixels)
/// must exist, be finite and non-zero, and equal central finite differences (float64 copy of case A's weights).
/// </summary>
public sealed class Qwen25VlVisionGradientTests
{
    [Fact]
    public void Pixel_gradient_through_processor_and_tower_matches_finite_differences()
    {
        using var model = VisionTestModels.CaseA(ScalarType.Float64);
        using var inputs = ReferenceCaseA.Inputs();
        var processor = new Qwen25VlImageProcessor(model.Config);
        using var generator = new Generator(17, CPU);
        // [1,3,112,140]
        var pixels = inputs.Images[0].to_type(ScalarType.Float64).unsqueeze(0).detach().requires_grad_(true);
        using var images = ImageBatch.Uniform(pixels);
        var weights = randn([20, model.Config.OutHiddenSize], ScalarType.Float64, generator: generator);

        double Objective(Tensor p)
        {
            using var scope = NewDisposeScope();
            var (pixelValues, grid) = processor.Preprocess(images.WithPixels(p));
            return (model.Forward(pixelValues, grid) * weights).sum().item<double>();
        }

        var (values, gridThw) = processor.Preprocess(images);
        var objective = (model.Forward(values, gridThw) * weights).sum();
        objective.backward();
        var gradient = pixels.grad!.detach().clone();
        Assert.True(gradient.isfinite().all().item<bool>(), "the pixel gradient has non-finite entries");
        Assert.True(gradient.abs().max().item<double>() > 1e-6, "the pixel gradient is zero");
        Assert.True(
            gradient.ne(0).to_type(ScalarType.Float64).mean().item<double>() > 0.99,
            "most pixels should receive gradient"
        );

        // Central differences. RmsNorm computes its statistics in float32 even for a float64 model (as HF's
        // Qwen2RMSNorm does), which puts ~1e-6 of rounding noise on the objective: hence a step of 1e-2 for single
        // pixels (truncation error ~1e-5 relative here) and a tight check along a random direction over all pixels,
        // where the signal is hundreds of times larger than that noise.
        double largest = gradient.abs().max().item<double>();
        long[][] probes =
        [
            [0, 0, 0, 0],
            [0, 1, 57, 33],
            [0, 2, 111, 139],
            [0, 0, 14, 28],
            [0, 2, 90, 7],
        ];
        using (no_grad())
        {
            foreach (long[] at in probes)
            {
                var direction = zeros_like(pixels);
                direction[at[0], at[1], at[2], at[3]] = tensor(1.0, ScalarType.Float64);
                double finite = CentralDifference(Objective, pixels, direction, 1e-2);
                double analytic = gradient[at[0], at[1], at[2], at[3]].item<double>();
                Assert.True(
                    Math.Abs(finite - analytic) <= (1e-3 * largest) + (1e-2 * Math.Abs(analytic)),
                    $"pixel [{string.Join(",", at)}]: finite difference {finite:G8} vs autograd {analytic:G8} "
                        + $"(largest |∂| {largest:G4})"
                );
            }
            var random = randn(pixels.shape, ScalarType.Float64, generator: generator);
            double along = CentralDifference(Objective, pixels, random, 1e-3);
            double expected = (gradient * random).sum().item<double>();
            Assert.True(
                Math.Abs(along - expected) <= 1e-4 * Math.Abs(expected),
                $"directional derivative: finite difference {along:G10} vs autograd {expected:G10}"
            );
        }
    }

    private static double CentralDifference(Func<Tensor, double> objective, Tensor at, Tensor direction, double step)
    {
        using var scope = NewDisposeScope();
        return (objective(at + (direction * step)) - objective(at - (direction * step))) / (2 * step);
    }

    [Fact]
    public void Float32_gradient_reaches_every_row_of_an_image_batch_of_mixed_sizes()
    {
        using var model = VisionTestModels.CaseA();
        var processor = new Qwen25VlImageProcessor(model.Config);
        using var packed = ImageBatch.Pack(VisionTestModels.Images(3, ScalarType.Float32, (112, 140), (56, 56)), CPU);
        var pixels = packed.Pixels.detach().requires_grad_(true);
        using var images = packed.WithPixels(pixels);
        var (values, grid) = processor.Preprocess(images);
        model.Forward(values, grid).pow(2).sum().backward();
        var gradient = pixels.grad!;
        Assert.True(gradient.isfinite().all().item<bool>());
        Assert.True(
            gradient[0].abs().sum().item<float>() > 0
                && gradient[1].narrow(1, 0, 56).narrow(2, 0, 56).abs().sum().item<float>() > 0
        );
        Assert.Equal(0f, gradient[1].narrow(1, 56, 56).abs().sum().item<float>()); // the padding is never read
    }
}
