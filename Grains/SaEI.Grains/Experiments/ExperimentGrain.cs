using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;
using SaEI.Grains.Training;

namespace SaEI.Grains.Experiments;

/// <summary>
/// One sweep: validates and expands the spec, stores the run list durably, then creates and queues the runs.
///
/// Decisions:
/// 1. The run list is written to grain state before any run grain is touched; a crash between the two is repaired
///    by relaunching (the same spec re-initialises its runs idempotently and creates nothing new).
/// 2. Identity is <see cref="SpecFingerprint"/> (content, not YAML text): the same spec is AlreadyLaunched, another
///    spec under the same id is Refused, with both fingerprints in the message.
/// 3. Status fans out to the run grains (each owns its truth); nothing is cached here.
/// 4. The spec is also written to experiments/{exp}/spec.yaml (create-only; an existing equal copy is fine), and
///    each run's typed configuration to runs/{run}/run.json (<see cref="RunConfiguration"/>) before it is queued:
///    the executor and the evaluator read only that.
/// 5. The spec and executor options come from any client that reaches the gateway: they are bounded (size, nesting,
///    runs, errors: <see cref="SpecLimits"/>, "Saei:Specs"; <see cref="ExecutorOptionLimits"/>) before anything else
///    reads them, so no request can overflow this grain thread's stack or exhaust the silo's memory. A refused launch
///    touches no state.
/// </summary>
public sealed class ExperimentGrain(
    [PersistentState("experiment", StorageNames.GrainState)] IPersistentState<ExperimentGrainState> state,
    ResilientBlobStore blobs,
    DataOptions data,
    TimeProvider time,
    IOptions<SpecLimits> specLimits,
    ILogger<ExperimentGrain> logger
) : Grain, IExperimentGrain
{
    private string ExperimentId => this.GetPrimaryKeyString();

    public async Task<LaunchResult> LaunchAsync(string specYaml, IReadOnlyDictionary<string, string> executorOptions)
    {
        var limits = specLimits.Value;
        specYaml ??= ""; // a client may send null; it is then refused as an empty spec
        executorOptions ??= new Dictionary<string, string>();
        if (SpecBounds.CheckSize(specYaml, limits) is { } tooLarge)
            return Refused(tooLarge.ToString());
        if (ExecutorOptionLimits.Check(executorOptions) is { } badOptions)
            return Refused(badOptions);
        if (Ids.Check(ExperimentId, "experiment") is { } badId)
            return Refused(badId);
        var parsed = SweepSpecParser.Parse(specYaml, limits);
        if (parsed.Spec is not { } spec)
            return Refused($"the spec has {parsed.ProblemCount} problem(s):\n  " + string.Join("\n  ", parsed.Errors));
        if (SweepSpecParser.CheckPaths(spec, data.EffectiveRoots()) is { Count: > 0 } outside)
            return Refused(
                $"the spec reads files outside this cluster's data roots:\n  " + string.Join("\n  ", outside)
            );
        if (spec.Experiment != ExperimentId)
            return Refused(
                $"the spec names experiment '{spec.Experiment}' but was launched as '{ExperimentId}'; launch it "
                    + $"under its own id."
            );
        string fingerprint = SpecFingerprint.Compute(spec);
        IReadOnlyList<RunDefinition> definitions;
        try
        {
            definitions = SweepExpansion.Expand(spec, limits);
        }
        catch (SweepSpecException e)
        {
            return Refused(e.Message);
        }
        if (state.State.Fingerprint is { } stored)
            return stored == fingerprint
                ? await RelaunchAsync(spec, definitions)
                : Refused(Different(stored, fingerprint));

        IReadOnlyList<RunDescriptor> runs = [.. definitions.Select(r => RunDescriptors.From(r, spec, executorOptions))];
        if (!await StoreAsync(specYaml, fingerprint, runs))
            return state.State.Fingerprint == fingerprint
                ? await RelaunchAsync(spec, definitions)
                : Refused(Different(state.State.Fingerprint!, fingerprint));
        await WriteSpecBlobAsync(specYaml);
        await WriteRunConfigurationsAsync(spec, definitions);
        await InitializeRunsAsync();
        logger.LogInformation(
            "Experiment {Experiment} launched with {Runs} runs (spec {Fingerprint})",
            ExperimentId,
            runs.Count,
            fingerprint[..12]
        );
        return new LaunchResult(
            LaunchOutcome.Launched,
            $"experiment {ExperimentId}: {runs.Count} runs stored and queued.",
            runs.Select(r => r.RunId).ToList()
        );
    }

    public async Task<SweepStatus> GetStatusAsync()
    {
        var statuses = await Task.WhenAll(
            state.State.Runs.Select(r => GrainFactory.GetGrain<IRunGrain>(r.RunId).GetStatusAsync())
        );
        return new SweepStatus(ExperimentId, state.State.Fingerprint is not null, statuses);
    }

    public async Task<int> CancelAsync()
    {
        var before = await GetStatusAsync();
        await Task.WhenAll(state.State.Runs.Select(r => GrainFactory.GetGrain<IRunGrain>(r.RunId).CancelAsync()));
        return before.Runs.Count(r => !r.State.IsTerminal());
    }

    public Task<IReadOnlyList<RunDescriptor>> GetRunsAsync() =>
        Task.FromResult<IReadOnlyList<RunDescriptor>>(state.State.Runs);

    private async Task<LaunchResult> RelaunchAsync(SweepSpec spec, IReadOnlyList<RunDefinition> definitions)
    {
        // Idempotent: repairs a launch interrupted after the run list was stored, and writes run.json for runs
        // launched before it existed.
        await WriteRunConfigurationsAsync(spec, definitions);
        await InitializeRunsAsync();
        return new LaunchResult(
            LaunchOutcome.AlreadyLaunched,
            $"experiment {ExperimentId} was already launched with this spec; no run was created "
                + $"({state.State.Runs.Count} runs).",
            state.State.Runs.Select(r => r.RunId).ToList()
        );
    }

    /// <summary>Stores the run list unless a spec is already stored (then false).</summary>
    private Task<bool> StoreAsync(string specYaml, string fingerprint, IReadOnlyList<RunDescriptor> runs) =>
        GrainStateUpdate.ApplyAsync(
            state,
            s =>
            {
                if (s.Fingerprint is not null)
                    return false;
                s.SpecYaml = specYaml;
                s.Fingerprint = fingerprint;
                s.Runs = [.. runs];
                s.LaunchedAt = time.GetUtcNow();
                return true;
            },
            DeactivateOnIdle,
            logger,
            $"experiment {ExperimentId}"
        );

    private async Task WriteSpecBlobAsync(string specYaml)
    {
        await blobs.EnsureContainerAsync();
        var written = await blobs.WriteAsync(
            BlobPaths.Spec(ExperimentId),
            BinaryData.FromString(specYaml),
            WriteCondition.CreateOnly
        );
        if (written is BlobWriteResult.Conflict)
            logger.LogInformation("Experiment {Experiment}: spec.yaml already stored; kept as is", ExperimentId);
    }

    /// <summary>Each stored run's run.json (create-only: an existing one is kept), before any run is queued.</summary>
    private async Task WriteRunConfigurationsAsync(SweepSpec spec, IReadOnlyList<RunDefinition> definitions)
    {
        var stored = state.State.Runs.Select(r => r.RunId).ToHashSet(StringComparer.Ordinal);
        await blobs.EnsureContainerAsync();
        foreach (var batch in definitions.Where(d => stored.Contains(d.RunId)).Chunk(64))
            await Task.WhenAll(batch.Select(d => RunConfigurations.WriteAsync(blobs, RunConfiguration.From(d, spec))));
    }

    private async Task InitializeRunsAsync()
    {
        foreach (var batch in state.State.Runs.Chunk(64))
            await Task.WhenAll(batch.Select(r => GrainFactory.GetGrain<IRunGrain>(r.RunId).InitializeAsync(r)));
    }

    private LaunchResult Refused(string reason) =>
        new(LaunchOutcome.Refused, $"experiment {ExperimentId}: {reason}", []);

    private static string Different(string stored, string offered) =>
        $"a different spec is already launched under this id (stored spec {stored[..12]}, this spec {offered[..12]}); "
        + "choose a new experiment id, or relaunch the stored spec unchanged.";
}
