using System.Reflection;
using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Runtime;

/// <summary>
/// Issue #11 item 1, the rule of <see cref="Scalars"/> checked over SaEI.Gpu's compiled IL: no method makes a Scalar
/// temporary that the collector can free while native code reads it. The slow proof under load is
/// ConcurrentTrainingStressTests.
/// </summary>
public sealed class ScalarLifetimeTests
{
    [Fact]
    public void No_method_of_the_tensor_code_makes_a_scalar_temporary()
    {
        var offenders = ScalarTemporaries
            .MethodsOf(typeof(Scalars).Assembly)
            .SelectMany(ScalarTemporaries.In)
            .Distinct()
            .ToArray();
        Assert.True(
            offenders.Length == 0,
            $"{offenders.Length} call(s) make a Scalar temporary; use a Scalars field, a `using var` Scalar, or "
                + $"add(other, Scalars.One):\n{string.Join("\n", offenders)}"
        );
    }

    [Fact]
    public void The_check_finds_implicit_and_hidden_temporaries_and_accepts_the_rule()
    {
        Assert.Contains(
            ScalarTemporaries.In(Method(nameof(ImplicitNegativeInfinity))),
            o => o.Contains("Scalar.op_Implicit", StringComparison.Ordinal)
        );
        Assert.Contains(
            ScalarTemporaries.In(Method(nameof(HiddenAlpha))),
            o => o.Contains("Tensor.op_Addition", StringComparison.Ordinal)
        );
        Assert.Contains(
            ScalarTemporaries.In(Method(nameof(HiddenSquare))),
            o => o.Contains("Tensor.square", StringComparison.Ordinal)
        );
        Assert.Empty(ScalarTemporaries.In(Method(nameof(FollowsTheRule))));
    }

    private static MethodBase Method(string name) =>
        typeof(ScalarLifetimeTests).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

    private static Tensor ImplicitNegativeInfinity(Tensor x, Tensor mask) =>
        x.masked_fill(mask, double.NegativeInfinity);

    private static Tensor HiddenAlpha(Tensor x, Tensor y) => x + y;

    private static Tensor HiddenSquare(Tensor x) => x.square();

    private static Tensor FollowsTheRule(Tensor x, Tensor mask, double scale)
    {
        using var scaleScalar = scale.ToScalar();
        return x.masked_fill(mask, Scalars.NegativeInfinity).mul(scaleScalar).add(x, Scalars.One).pow(Scalars.Two);
    }
}
