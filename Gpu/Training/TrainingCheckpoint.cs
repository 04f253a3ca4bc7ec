using SaEI.Gpu.Models;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// A trainer's whole state as files for blob storage (docs/architecture.md §4): <c>model.safetensors</c> (policy
/// weights, Hugging Face names), <c>optimizer.bin</c> (AdamW moments <c>exp_avg.{name}</c>/<c>exp_avg_sq.{name}</c>,
/// and the float32 <c>master.{name}</c> of bf16 parameters, safetensors layout; weights are stored in the run's dtype)
/// and <c>state.json</c> (<see cref="TrainingState"/>). <c>RlTrainer.Restore</c>
/// reads them back; the resumed run continues bit for bit (CPU, fixed thread count). The frozen reference model is
/// not part of it: it is the base model, which the caller loads again.
/// Decisions:
/// 1. <see cref="WriteTo"/> streams into a folder tensor by tensor (<see cref="SafetensorsStreams"/>): no byte
///    array holds a whole file and no second copy of the weights or moments is made (a 7B run's optimizer.bin is
///    ~100 GB). <see cref="Write"/> returns the same bytes in memory, for small models (tests).
/// 2. Loading reads each tensor from the file straight into the live parameter or moment.
/// </summary>
public static class TrainingCheckpoint
{
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.bin";
    public const string StateFile = "state.json";

    /// <summary>Writes the checkpoint of <paramref name="trainer"/> after its last completed step into the existing
    /// folder <paramref name="directory"/> (its three files are created or replaced).</summary>
    public static void WriteTo(RlTrainer trainer, string directory)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        SafetensorsStreams.WriteFile(Path.Combine(directory, ModelFile), Weights(trainer));
        SafetensorsStreams.WriteFile(Path.Combine(directory, OptimizerFile), trainer.Optimizer.StateTensors());
        File.WriteAllBytes(Path.Combine(directory, StateFile), State(trainer).ToJson());
    }

    /// <summary>The checkpoint of <paramref name="trainer"/> as name → bytes (small models: each file must stay
    /// under 2 GB).</summary>
    public static IReadOnlyDictionary<string, byte[]> Write(RlTrainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return new Dictionary<string, byte[]>
        {
            [ModelFile] = SafetensorsBytes.Write(Weights(trainer)),
            [OptimizerFile] = SafetensorsBytes.Write(trainer.Optimizer.StateTensors()),
            [StateFile] = State(trainer).ToJson(),
        };
    }

    private static IEnumerable<KeyValuePair<string, Tensor>> Weights(RlTrainer trainer) =>
        trainer.Policy.NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter));

    private static TrainingState State(RlTrainer trainer) =>
        new()
        {
            Step = trainer.StepIndex,
            OptimizerStep = trainer.Optimizer.StepCount,
            Seed = trainer.Generators.Seed,
            TotalSteps = trainer.TotalSteps,
            ProblemCount = trainer.ProblemCount,
            CursorEpoch = trainer.Cursor.Epoch,
            CursorPosition = trainer.Cursor.Position,
            Generators = trainer
                .Generators.ExportStates()
                .ToDictionary(s => s.Key, s => Convert.ToBase64String(s.Value)),
            Options = trainer.Options,
        };

    /// <summary>The path of <paramref name="name"/> in a checkpoint folder; a missing file is named with what is
    /// there.</summary>
    public static string Require(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        if (File.Exists(path))
            return path;
        IEnumerable<string> present = Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)
            : [];
        throw new InvalidDataException(
            $"checkpoint lacks '{name}' (has: {string.Join(", ", present)}); it is incomplete, use an earlier one."
        );
    }

    /// <summary>Copies the named weights of a checkpoint's model.safetensors file into <paramref name="policy"/>'s
    /// parameters (same config), streamed; a missing or misshapen tensor is named.</summary>
    public static void LoadPolicyWeights(IPolicyModel policy, string modelFile)
    {
        ArgumentNullException.ThrowIfNull(policy);
        SafetensorsStreams.ReadInto(
            modelFile,
            ModelFile,
            policy.NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)),
            name => $"{ModelFile}: tensor '{name}' is missing; was the checkpoint made with another model config?"
        );
    }
}
