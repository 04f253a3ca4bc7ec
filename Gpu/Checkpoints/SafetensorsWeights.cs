using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SaEI.Gpu.Checkpoints;

/// <summary>
/// Module weights as one safetensors file, Hugging Face names (TorchSharp.PyBridge, no key remapping).
/// Loading checks every tensor before copying any: a missing, unexpected or misshapen tensor is an error that
/// names the file and the tensor; dtypes are converted on copy.
/// </summary>
public static class SafetensorsWeights
{
    public const string FileName = "model.safetensors";

    public static void Save(nn.Module module, string path)
    {
        var stateDict = module.state_dict();
        Safetensors.SaveStateDict(path, stateDict);
    }

    public static void Load(nn.Module module, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Weights file '{path}' does not exist.", path);
        Dictionary<string, Tensor> loaded;
        try
        {
            loaded = Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{path}' is not a readable safetensors file: {e.Message}", e);
        }
        try
        {
            var expected = module.state_dict();
            foreach (var (name, target) in expected)
            {
                if (!loaded.TryGetValue(name, out var source))
                    throw new InvalidDataException($"{path}: tensor '{name}' is missing (expected shape [{string.Join(",", target.shape)}]).");
                if (!source.shape.SequenceEqual(target.shape))
                    throw new InvalidDataException(
                        $"{path}: tensor '{name}' has shape [{string.Join(",", source.shape)}]; the model config expects [{string.Join(",", target.shape)}].");
            }
            var unexpected = loaded.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
            if (unexpected.Count > 0)
                throw new InvalidDataException($"{path}: unexpected tensor '{unexpected[0]}' ({unexpected.Count} not in the model); is config.json the one saved with it?");
            using var noGrad = no_grad();
            foreach (var (name, target) in expected) target.copy_(loaded[name]);
        }
        finally
        {
            foreach (var tensor in loaded.Values) tensor.Dispose();
        }
    }
}
