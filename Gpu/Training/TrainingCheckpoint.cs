using SaEI.Gpu.Models;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// A trainer's whole state as files (name → bytes) for blob storage (ARCHITECTURE "Storage"):
/// <c>model.safetensors</c> (policy weights, Hugging Face names), <c>optimizer.bin</c> (AdamW moments
/// <c>exp_avg.{name}</c>/<c>exp_avg_sq.{name}</c>, and the float32 <c>master.{name}</c> of bf16 parameters, safetensors
/// layout; weights are stored in the run's dtype) and <c>state.json</c> (<see cref="TrainingState"/>).
/// <see cref="RlTrainer.Restore"/> reads them back; the resumed run continues bit for bit (CPU, fixed thread count).
/// The frozen reference model is not part of it: it is the base model, which the caller loads again.
/// </summary>
public static class TrainingCheckpoint
{
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.bin";
    public const string StateFile = "state.json";

    /// <summary>The checkpoint of <paramref name="trainer"/> after its last completed step.</summary>
    public static IReadOnlyDictionary<string, byte[]> Write(RlTrainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        using var scope = NewDisposeScope();
        var weights = trainer.Policy.NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter));
        var (moments, optimizerStep) = trainer.Optimizer.ExportState();
        var state = new TrainingState
        {
            Step = trainer.StepIndex,
            OptimizerStep = optimizerStep,
            Seed = trainer.Generators.Seed,
            TotalSteps = trainer.TotalSteps,
            ProblemCount = trainer.ProblemCount,
            CursorEpoch = trainer.Cursor.Epoch,
            CursorPosition = trainer.Cursor.Position,
            Generators = trainer.Generators.ExportStates().ToDictionary(s => s.Key, s => Convert.ToBase64String(s.Value)),
            Options = trainer.Options,
        };
        return new Dictionary<string, byte[]>
        {
            [ModelFile] = SafetensorsBytes.Write(weights),
            [OptimizerFile] = SafetensorsBytes.Write(moments),
            [StateFile] = state.ToJson(),
        };
    }

    internal static byte[] Require(IReadOnlyDictionary<string, byte[]> files, string name) =>
        files.TryGetValue(name, out var bytes)
            ? bytes
            : throw new InvalidDataException($"checkpoint lacks '{name}' (has: {string.Join(", ", files.Keys.Order(StringComparer.Ordinal))}); it is incomplete, use an earlier one.");

    /// <summary>Copies the named weights into the policy's parameters; a missing or misshapen tensor is named.</summary>
    internal static void LoadWeights(RlTrainer trainer, byte[] file) => LoadPolicyWeights(trainer.Policy, file);

    /// <summary>Copies the weights of a checkpoint's model.safetensors into <paramref name="policy"/> (same config).</summary>
    public static void LoadPolicyWeights(IPolicyModel policy, byte[] file)
    {
        var tensors = SafetensorsBytes.Read(file, ModelFile);
        try
        {
            using var noGrad = no_grad();
            foreach (var (name, parameter) in policy.NamedParameters())
            {
                if (!tensors.TryGetValue(name, out var source))
                    throw new InvalidDataException($"{ModelFile}: tensor '{name}' is missing; was the checkpoint made with another model config?");
                if (!source.shape.SequenceEqual(parameter.shape))
                    throw new InvalidDataException($"{ModelFile}: tensor '{name}' has shape [{string.Join(",", source.shape)}], the model expects [{string.Join(",", parameter.shape)}].");
                parameter.copy_(source);
            }
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
    }
}
