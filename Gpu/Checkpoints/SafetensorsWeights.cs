using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SaEI.Gpu.Checkpoints;

/// <summary>
/// Module weights as one safetensors file, Hugging Face names (no key remapping).
/// Saving goes through TorchSharp.PyBridge; loading streams through <see cref="CheckpointLoader"/>: every header
/// field and every tensor name and shape is checked before anything is copied (a missing, unexpected or misshapen
/// tensor is an error that names the file and the tensor), then tensors are read one at a time and converted to the
/// module's dtype and device on copy.
/// </summary>
public static class SafetensorsWeights
{
    public const string FileName = CheckpointFolder.SingleFileName;

    public static void Save(nn.Module module, string path)
    {
        var stateDict = module.state_dict();
        Safetensors.SaveStateDict(path, stateDict);
    }

    public static void Load(nn.Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckpointLoader.Load(CheckpointFolder.OpenFile(path), module.state_dict());
    }
}
