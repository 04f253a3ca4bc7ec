using System.Text.Json;
using SaEI.Gpu.Models.Tiny;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models;

/// <summary>Opens a model directory (config.json + model.safetensors); config.json's "family" picks the class.</summary>
public static class PolicyModelFactory
{
    public static IReadOnlyList<string> Families { get; } = [TinyVlm.FamilyName];

    public static IPolicyModel Load(string directory, Device device)
    {
        string configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"No config.json in model directory '{directory}'.", configPath);
        string? family;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(configPath));
            family = document.RootElement.TryGetProperty("family", out var value) ? value.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{configPath} is not valid JSON: {e.Message}", e);
        }
        return family switch
        {
            TinyVlm.FamilyName => TinyVlm.Load(directory, device),
            _ => throw new InvalidDataException(
                $"{configPath}: family '{family ?? "(missing)"}' is not supported; expected one of: {string.Join(", ", Families)}."),
        };
    }

    /// <summary>A new TinyVlm with <paramref name="config"/> (null = defaults), initialised from <paramref name="seed"/>.</summary>
    public static IPolicyModel CreateTiny(TinyVlmConfig? config, long seed, Device device) =>
        TinyVlm.Create(config ?? new TinyVlmConfig(), seed, device);
}
