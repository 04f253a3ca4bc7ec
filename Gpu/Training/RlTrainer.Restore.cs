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
    /// A trainer that continues the run saved in <paramref name="files"/> (<see cref="TrainingCheckpoint.Write"/>)
    /// exactly: fresh <paramref name="policy"/> (same architecture; its weights are overwritten), the run's frozen
    /// <paramref name="reference"/> (the initial policy; null when kl_coefficient is 0), the same training problems.
    /// Options, seed and total steps come from state.json (an old checkpoint's image_size is read and ignored: images take the model's InputSize).
    /// </summary>
    public static RlTrainer Restore(IReadOnlyDictionary<string, byte[]> files, IPolicyModel policy, IPolicyModel? reference,
        IReadOnlyList<VisualProblem> problems, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(problems);
        var state = TrainingState.FromJson(TrainingCheckpoint.Require(files, TrainingCheckpoint.StateFile), TrainingCheckpoint.StateFile);
        if (state.ProblemCount != problems.Count)
            throw new InvalidDataException($"{TrainingCheckpoint.StateFile}: the run trained on {state.ProblemCount} problems, {problems.Count} were given; pass the run's training data.");
        var trainer = new RlTrainer(policy, reference, state.Options, problems, state.TotalSteps, state.Seed, timeProvider);
        try
        {
            TrainingCheckpoint.LoadWeights(trainer, TrainingCheckpoint.Require(files, TrainingCheckpoint.ModelFile));
            var moments = SafetensorsBytes.Read(TrainingCheckpoint.Require(files, TrainingCheckpoint.OptimizerFile), TrainingCheckpoint.OptimizerFile);
            try
            {
                trainer.optimizer.ImportState(moments, state.OptimizerStep);
            }
            finally
            {
                foreach (var tensor in moments.Values) tensor.Dispose();
            }
            trainer.generators.ImportStates(state.Generators.ToDictionary(g => g.Key, g => Convert.FromBase64String(g.Value)));
            trainer.cursor = new PromptCursor(problems.Count, trainer.generators.DataSeed, state.CursorEpoch, state.CursorPosition);
            trainer.StepIndex = state.Step;
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }
}
