using static TorchSharp.torch;

namespace SaEI.Gpu.Checkpoints;

/// <summary>
/// The safetensors dtype names and their TorchSharp types and element sizes (the format's table, little-endian).
/// Decisions:
/// 1. Every type TorchSharp can hold is listed, so a header naming an integer or double tensor parses; model loading
///    then decides what it accepts. Float8 variants are not: TorchSharp 0.107 has no such ScalarType.
/// </summary>
public readonly record struct SafetensorsDType(string Name, ScalarType Type, int Size)
{
    private static readonly SafetensorsDType[] All =
    [
        new("F64", ScalarType.Float64, 8),
        new("F32", ScalarType.Float32, 4),
        new("F16", ScalarType.Float16, 2),
        new("BF16", ScalarType.BFloat16, 2),
        new("I64", ScalarType.Int64, 8),
        new("I32", ScalarType.Int32, 4),
        new("I16", ScalarType.Int16, 2),
        new("I8", ScalarType.Int8, 1),
        new("U8", ScalarType.Byte, 1),
        new("BOOL", ScalarType.Bool, 1),
    ];

    public bool IsFloatingPoint =>
        Type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>The entry for a header's dtype string (case-sensitive, as the format spells it).</summary>
    public static bool TryParse(string? name, out SafetensorsDType dtype)
    {
        foreach (var candidate in All)
        {
            if (candidate.Name == name)
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>The entry for a TorchSharp type, or false when safetensors files here cannot store it.</summary>
    public static bool TryFrom(ScalarType type, out SafetensorsDType dtype)
    {
        foreach (var candidate in All)
        {
            if (candidate.Type == type)
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>The names a header may use, for error messages.</summary>
    public static string KnownNames => string.Join(", ", All.Select(d => d.Name));
}
