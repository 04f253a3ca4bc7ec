using TorchSharp;

namespace SaEI.Gpu.Runtime;

/// <summary>
/// Long-lived TorchSharp <see cref="Scalar"/>s for the constants of the tensor code, and the rule for every other
/// Scalar (issue #11 item 1).
/// <para>
/// Why: in TorchSharp 0.107 a <see cref="Scalar"/> owns a native at::Scalar that only its finaliser frees (no dispose
/// scope tracks it), and every wrapper passes just the handle to native code without keeping the managed object alive
/// (<c>masked_fill(mask, value)</c> is <c>THSTensor_masked_fill(Handle, mask.Handle, value.Handle)</c>, no
/// <c>GC.KeepAlive</c>). A temporary made by an implicit conversion (<c>x.masked_fill(m, double.NegativeInfinity)</c>,
/// <c>x / 2.0</c>, <c>x.pow(2)</c>, <c>x + 1e-6</c>) is unreachable from the moment its handle is read; in optimised
/// (tier-1) code a collection triggered by another thread during the native call queues it, and the finaliser thread
/// deletes the at::Scalar while the kernel still reads it: "Expected false to be true … toFloat at c10/core/Scalar.h",
/// "Unknown scalar type", or a wrong value. TorchSharp also makes hidden temporaries: <c>a + b</c> and <c>add(b)</c>
/// pass an alpha of 1, <c>add_(s)</c> too, <c>square()</c> is <c>pow(2)</c>, and <c>arange(stop)</c> converts 0 and 1.
/// (Tensors share the mechanism but not the risk here: a dispose scope holds every tensor made inside it until the
/// scope ends, and all tensor code runs inside one.)
/// </para>
/// Rule for SaEI.Gpu (checked by ScalarLifetimeTests over the compiled IL):
/// <list type="number">
/// <item>A constant is a field here (process lifetime, never finalised).</item>
/// <item>A value known at run time is <c>using var s = value.ToScalar();</c> in the method that makes the native
/// call, so the local keeps it alive until after the call.</item>
/// <item>No implicit conversion to <see cref="Scalar"/>, and no TorchSharp overload that makes one:
/// <c>a.add(b, Scalars.One)</c> for <c>a + b</c>, <c>pow(Scalars.Two)</c> for <c>square()</c>.</item>
/// </list>
/// </summary>
public static class Scalars
{
    /// <summary>0 as an integer: keeps integer tensors integer.</summary>
    public static readonly Scalar ZeroInt = 0.ToScalar();

    /// <summary>1 as an integer: the alpha of a + b, and ±1 on integer tensors.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>2 as an integer: squares (pow 2, exactly TorchSharp's square()) and halving.</summary>
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary>0.0.</summary>
    public static readonly Scalar Zero = 0.0.ToScalar();

    /// <summary>1.0.</summary>
    public static readonly Scalar OneDouble = 1.0.ToScalar();

    /// <summary>0.5.</summary>
    public static readonly Scalar Half = 0.5.ToScalar();

    /// <summary>−∞: attention and logit masks.</summary>
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

    /// <summary>true: boolean masks.</summary>
    public static readonly Scalar True = true.ToScalar();
}
