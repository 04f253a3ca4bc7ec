using SaEI.Gpu.Models;
using SaEI.Gpu.Tasks.Data;

namespace SaEI.Gpu.Training;

/// <summary>Checkpoint access (<see cref="TrainingCheckpoint"/>) and exact resume.</summary>
public sealed partial class RlTrainer
{
    internal AdamWOptimizer Optimizer => optimizer;
    internal RlGenerators Generators => generators;
    internal PromptCursor Cursor => cursor;
    internal int ProblemCount => problems.Count;

    /// <summary>
    /// A trainer that continues the run saved in the folder <paramref name="directory"/>
    /// (<see cref="TrainingCheckpoint.WriteTo"/>) exactly: fresh <paramref name="policy"/> (same architecture; its
    /// weights are overwritten), the run's frozen <paramref name="reference"/> (the initial policy; null when
    /// kl_coefficient is 0), the same training problems. Weights and optimizer state are read tensor by tensor into
    /// the live parameters and moments (no second copy). Options, seed and total steps come from state.json (an old
    /// checkpoint's image_size is read and ignored: images take the model's InputSize).
    /// </summary>
    public static RlTrainer Restore(
        string directory,
        IPolicyModel policy,
        IPolicyModel? reference,
        IReadOnlyList<VisualProblem> problems,
        TimeProvider? timeProvider = null
    )
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(problems);
        string statePath = TrainingCheckpoint.Require(directory, TrainingCheckpoint.StateFile);
        var state = TrainingState.FromJson(File.ReadAllBytes(statePath), TrainingCheckpoint.StateFile);
        if (state.ProblemCount != problems.Count)
            throw new InvalidDataException(
                $"{TrainingCheckpoint.StateFile}: the run trained on {state.ProblemCount} problems, {problems.Count} "
                    + $"were given; pass the run's training data."
            );
        string modelPath = TrainingCheckpoint.Require(directory, TrainingCheckpoint.ModelFile);
        string optimizerPath = TrainingCheckpoint.Require(directory, TrainingCheckpoint.OptimizerFile);
        var trainer = new RlTrainer(
            policy,
            reference,
            state.Options,
            problems,
            state.TotalSteps,
            state.Seed,
            timeProvider
        );
        try
        {
            TrainingCheckpoint.LoadPolicyWeights(trainer.Policy, modelPath);
            var moments = trainer.optimizer.StateTensors();
            SafetensorsStreams.ReadInto(
                optimizerPath,
                TrainingCheckpoint.OptimizerFile,
                moments,
                trainer.optimizer.MissingStateMessage
            );
            trainer.optimizer.CompleteImport(state.OptimizerStep);
            trainer.generators.ImportStates(
                state.Generators.ToDictionary(g => g.Key, g => Convert.FromBase64String(g.Value))
            );
            trainer.cursor = new PromptCursor(
                problems.Count,
                trainer.generators.DataSeed,
                state.CursorEpoch,
                state.CursorPosition
            );
            trainer.StepIndex = state.Step;
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The folder <c>Restore</c> from
    /// files in memory (<see cref="TrainingCheckpoint.Write"/>; small models, tests): they are written to a temporary
    /// folder, which is deleted afterwards.
    /// </summary>
    public static RlTrainer Restore(
        IReadOnlyDictionary<string, byte[]> files,
        IPolicyModel policy,
        IPolicyModel? reference,
        IReadOnlyList<VisualProblem> problems,
        TimeProvider? timeProvider = null
    )
    {
        ArgumentNullException.ThrowIfNull(files);
        string directory = Directory.CreateTempSubdirectory("saei-restore-").FullName;
        try
        {
            foreach (var (name, bytes) in files)
                File.WriteAllBytes(Path.Combine(directory, Path.GetFileName(name)), bytes);
            return Restore(directory, policy, reference, problems, timeProvider);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
