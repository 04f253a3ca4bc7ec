namespace SaEI.Grains.Runs;

/// <summary>Builds the read model <see cref="RunStatus"/> from a run grain's state.</summary>
public static class RunStatusView
{
    public static RunStatus Of(string runId, RunGrainState s) =>
        new()
        {
            RunId = runId,
            ExperimentId = s.Run?.ExperimentId ?? "",
            Method = s.Run?.Method ?? "",
            ConfigKey = s.Run?.ConfigKey ?? "",
            Seed = s.Run?.Seed ?? 0,
            State = s.State,
            Step = s.Step,
            TotalSteps = s.Run?.Steps ?? 0,
            CheckpointStep = s.CheckpointStep,
            Restarts = s.Restarts,
            Epoch = s.Epoch,
            Worker = s.Worker,
            Metrics = new Dictionary<string, double>(s.Metrics),
            Failures = s.Failures.ToList(),
            Notes = s.Notes.ToList(),
            BestStep = s.BestStep,
            BestAccuracy = s.BestAccuracy,
            FinalWeightsSha256 = s.FinalWeightsSha256,
            Benchmarks = new Dictionary<string, double>(s.Benchmarks),
            CommittedSteps = s.CommittedSteps.ToList(),
        };
}
