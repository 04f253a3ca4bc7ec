using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace SaEI.Gpu.Tests.Runtime;

/// <summary>
/// Finds, in compiled IL, the calls that make a TorchSharp <see cref="Scalar"/> temporary the collector may free
/// while native code reads it (Scalars.cs): an implicit conversion to Scalar, or a call into TorchSharp that makes
/// one inside (e.g. <c>Tensor + Tensor</c> → <c>add(other, 1)</c>), followed up to three calls deep.
/// </summary>
internal static class ScalarTemporaries
{
    private const int TorchSharpDepth = 3;
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(op => op.Value);
    private static readonly Dictionary<(MethodBase, int), bool> Cache = [];
    private static readonly Lock Gate = new();

    /// <summary>"Type.Method → callee" for each call of <paramref name="method"/> that makes a Scalar
    /// temporary.</summary>
    public static IEnumerable<string> In(MethodBase method) =>
        Callees(method)
            .Where(callee => MakesTemporary(callee, 0))
            .Select(callee =>
                $"{method.DeclaringType?.FullName}.{method.Name} → "
                + $"{callee.DeclaringType?.Name}.{callee.Name}("
                + $"{string.Join(", ", callee.GetParameters().Select(p => p.ParameterType.Name))})"
            );

    /// <summary>Every method and constructor declared in <paramref name="assembly"/>, lambdas and iterators
    /// included.</summary>
    public static IEnumerable<MethodBase> MethodsOf(Assembly assembly)
    {
        const BindingFlags all =
            BindingFlags.Public
            | BindingFlags.NonPublic
            | BindingFlags.Instance
            | BindingFlags.Static
            | BindingFlags.DeclaredOnly;
        return assembly
            .GetTypes()
            .SelectMany(type => type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)));
    }

    private static bool MakesTemporary(MethodBase callee, int depth)
    {
        if (callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit")
            return true;
        if (depth >= TorchSharpDepth || callee.DeclaringType?.Assembly != typeof(Scalar).Assembly)
            return false;
        lock (Gate)
        {
            if (Cache.TryGetValue((callee, depth), out bool known))
                return known;
        }
        bool result = Callees(callee).Any(inner => MakesTemporary(inner, depth + 1));
        lock (Gate)
            Cache[(callee, depth)] = result;
        return result;
    }

    /// <summary>The methods a method's IL calls (call, callvirt, newobj, ldftn), resolved in its generic
    /// context.</summary>
    private static List<MethodBase> Callees(MethodBase method)
    {
        var callees = new List<MethodBase>();
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
            return callees;
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } type
            ? type.GetGenericArguments()
            : null;
        Type[]? methodArguments = method is MethodInfo { IsGenericMethod: true } generic
            ? generic.GetGenericArguments()
            : null;
        int i = 0;
        while (i < il.Length)
        {
            bool twoBytes = il[i] == 0xFE;
            var op = OpCodesByValue[twoBytes ? (short)(0xFE00 | il[i + 1]) : il[i]];
            i += twoBytes ? 2 : 1;
            if (op.OperandType == OperandType.InlineMethod)
            {
                try
                {
                    var callee = method.Module.ResolveMethod(
                        BitConverter.ToInt32(il, i),
                        typeArguments,
                        methodArguments
                    );
                    if (callee is not null)
                        callees.Add(callee);
                }
                catch (ArgumentException)
                {
                    // A token this generic context cannot resolve (open generic callee): nothing TorchSharp calls so.
                }
            }
            i += OperandSize(op.OperandType, il, i);
        }
        return callees;
    }

    private static int OperandSize(OperandType type, byte[] il, int at) =>
        type switch
        {
            OperandType.InlineNone => 0,
            OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
            OperandType.InlineVar => 2,
            OperandType.InlineI8 or OperandType.InlineR => 8,
            OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
            _ => 4,
        };
}
