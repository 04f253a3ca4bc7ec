using System.Text.Json;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Models.Tiny;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models;

/// <summary>Opens a model directory; config.json's "family" (TinyVlm) or "model_type" (Hugging Face) picks the
/// class.</summary>
public static class PolicyModelFactory
{
    public static IReadOnlyList<string> Families { get; } = [TinyVlm.FamilyName, Qwen25VlPolicy.FamilyName];

    /// <summary>
    /// Opens a model folder: TinyVlm's (config.json "family": "tiny-vlm") or a Hugging Face Qwen2.5-VL checkpoint
    /// (config.json "model_type": "qwen2_5_vl"), with parameters in <paramref name="dtype"/> (Qwen; TinyVlm keeps
    /// float32).
    /// </summary>
    public static IPolicyModel Load(string directory, Device device, ScalarType dtype = ScalarType.Float32)
    {
        string configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"No config.json in model directory '{directory}'.", configPath);
        string? family;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(configPath));
            family = document.RootElement.TryGetProperty("family", out var value) ? value.GetString() : null;
            // Hugging Face checkpoints name their architecture in model_type, not family.
            if (
                family is null
                && document.RootElement.TryGetProperty("model_type", out var modelType)
                && modelType.ValueKind == JsonValueKind.String
                && modelType.GetString() == Qwen25VlConfig.ModelType
            )
                family = Qwen25VlPolicy.FamilyName;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{configPath} is not valid JSON: {e.Message}", e);
        }
        return family switch
        {
            TinyVlm.FamilyName => TinyVlm.Load(directory, device),
            Qwen25VlPolicy.FamilyName => Qwen25VlPolicy.Load(directory, device, dtype),
            _ => throw new InvalidDataException(
                $"{configPath}: family '{family ?? "(missing)"}' is not supported; expected one of: "
                    + $"{string.Join(", ", Families)}."
            ),
        };
    }

    /// <summary>A new TinyVlm with <paramref name="config"/> (null = defaults), initialised from <paramref
    /// name="seed"/>.</summary>
    public static IPolicyModel CreateTiny(TinyVlmConfig? config, long seed, Device device) =>
        TinyVlm.Create(config ?? new TinyVlmConfig(), seed, device);
}
