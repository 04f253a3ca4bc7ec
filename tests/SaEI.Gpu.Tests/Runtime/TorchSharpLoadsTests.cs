using SaEI.Gpu.Runtime;
using TorchSharp;

namespace SaEI.Gpu.Tests.Runtime;

public sealed class TorchSharpLoadsTests
{
    [Fact]
    public void Gradient_of_a_small_expression_matches_the_hand_derivation()
    {
        TorchRuntime.Initialize(1);
        using var scope = torch.NewDisposeScope();
        // f(x, w) = sum(tanh(w * x)^2);  df/dw_i = 2 tanh(w_i x_i) (1 - tanh(w_i x_i)^2) x_i.
        var x = torch.tensor(new[] { 0.5, -1.0, 2.0 }, torch.float64);
        var w = torch.tensor(new[] { 1.0, 0.25, -0.5 }, dtype: torch.float64, requires_grad: true);
        torch.tanh(w * x).pow(2).sum().backward();

        double[] expected = [0.5, -1.0, 2.0];
        double[] weights = [1.0, 0.25, -0.5];
        double[] actual = w.grad!.data<double>().ToArray();
        for (int i = 0; i < 3; i++)
        {
            double t = Math.Tanh(weights[i] * expected[i]);
            Assert.Equal(2 * t * (1 - t * t) * expected[i], actual[i], 12);
        }
    }
}

public sealed class GlibcAllocatorTests
{
    [Fact]
    public void Initialize_tunes_glibc_malloc_on_linux()
    {
        TorchRuntime.Initialize(1);
        // This machine and CI are Debian (glibc): mallopt must be found and accept all three settings (a wrong library
        // name, parameter code or out-of-range value returns false). Elsewhere nothing is tuned.
        bool glibc =
            OperatingSystem.IsLinux()
            && File.Exists("/lib/x86_64-linux-gnu/libc.so.6")
            && Environment.GetEnvironmentVariable("SAEI_GLIBC_MALLOC_TUNING") != "0";
        Assert.Equal(glibc, TorchRuntime.AllocatorTuned);
        Assert.Contains($"glibc malloc tuned={glibc}", TorchRuntime.Describe(), StringComparison.Ordinal);
    }
}
