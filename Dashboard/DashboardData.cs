using System.Text.Json.Nodes;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Training;

namespace SaEI.Dashboard;

/// <summary>
/// What the pages show, read through the cluster (sweep and run status, the leaderboard) and from blob storage where
/// the grains keep nothing (the list of experiments, per-step metrics, checkpoints, samples, image pairs), with the
/// same blob layout the workers write (<see cref="BlobPaths"/>, <see cref="MetricsLog"/>). Page data is cached for
/// the configured time to live, as serialized JSON, so concurrent pollers share one fan-out.
/// </summary>
internal sealed class DashboardData(IGrainFactory grains, ResilientBlobStore blobs, TimeProvider time, TimeSpan ttl)
{
    /// <summary>The most experiments the list shows (the newest by spec time).</summary>
    public const int MaxExperiments = 100;

    /// <summary>The most samples shown of the latest sample file.</summary>
    public const int MaxSamples = 16;

    private readonly TtlCache cache = new(time, ttl);
    private readonly MetricsLog metrics = new(blobs);

    public IGrainFactory Grains => grains;

    /// <summary>The experiments page as JSON (cached four times as long as a page: it lists storage).</summary>
    public Task<CachedJson> ExperimentsJsonAsync() =>
        cache.GetAsync(
            "experiments",
            async () => CachedJson.Of(new { experiments = await ExperimentsAsync(CancellationToken.None) }),
            ttl * 4
        );

    /// <summary>The experiment page as JSON, or null when the experiment was never launched.</summary>
    public Task<CachedJson?> ExperimentJsonAsync(string experiment) =>
        cache.GetAsync(
            "experiment/" + experiment,
            async () =>
            {
                var status = await grains.GetGrain<IExperimentGrain>(experiment).GetStatusAsync();
                return status.Launched ? CachedJson.Of(ExperimentView.Of(status)) : null;
            }
        );

    /// <summary>Every run's status (for the overlay's run list and charts), cached like the experiment page.</summary>
    public Task<SweepStatus> StatusAsync(string experiment) =>
        cache.GetAsync("status/" + experiment, () => grains.GetGrain<IExperimentGrain>(experiment).GetStatusAsync());

    /// <summary>Per-step metrics of a run: name → [[step, value], ...] in step order (finite values only).</summary>
    public Task<IReadOnlyDictionary<string, IReadOnlyList<double[]>>> MetricsAsync(string experiment, string run) =>
        cache.GetAsync(
            "metrics/" + experiment + "/" + run,
            async () =>
            {
                var records = await metrics.ReadAsync(experiment, run, CancellationToken.None);
                var series = new SortedDictionary<string, List<double[]>>(StringComparer.Ordinal);
                foreach (var record in records.OrderBy(r => r.Step))
                foreach (var (name, value) in record.Values)
                    if (double.IsFinite(value))
                    {
                        if (!series.TryGetValue(name, out var points))
                            series[name] = points = [];
                        points.Add([record.Step, value]);
                    }
                return (IReadOnlyDictionary<string, IReadOnlyList<double[]>>)
                    series.ToDictionary(s => s.Key, s => (IReadOnlyList<double[]>)s.Value, StringComparer.Ordinal);
            }
        );

    /// <summary>The run page, or null when the run does not exist in <paramref name="experiment"/>.</summary>
    public async Task<RunView?> RunAsync(string experiment, string run, CancellationToken cancellation)
    {
        var status = await grains.GetGrain<IRunGrain>(run).GetStatusAsync();
        if (status.ExperimentId != experiment)
            return null;
        var series = await MetricsAsync(experiment, run);
        var checkpoints = await CheckpointsAsync(experiment, run, cancellation);
        var (samples, pairs) = await SamplesAsync(experiment, run, cancellation);
        return new RunView(status, series, checkpoints, samples, pairs);
    }

    /// <summary>A stored image of a pair, or null.</summary>
    public async Task<BinaryData?> ImageAsync(
        string experiment,
        string run,
        int step,
        int index,
        bool perturbed,
        CancellationToken cancellation
    )
    {
        string path =
            TorchRunExecutor.ImagePairFolder(experiment, run, step)
            + $"pair-{index}-{(perturbed ? "perturbed" : "clean")}.png";
        return await blobs.ReadAsync(path, cancellation) is BlobReadResult.Found found ? found.Content : null;
    }

    private async Task<IReadOnlyList<ExperimentSummary>> ExperimentsAsync(CancellationToken cancellation)
    {
        var ids = (await blobs.ListFoldersAsync("experiments/", cancellation)).Where(Ids.IsValid).ToList();
        var specs = await ForEachAsync(
            ids,
            async id => (Id: id, Info: await blobs.GetInfoAsync(BlobPaths.Spec(id), cancellation))
        );
        var newest = specs
            .Where(s => s.Info is not null)
            .OrderByDescending(s => s.Info!.LastModified)
            .Take(MaxExperiments)
            .Select(s => s.Id)
            .ToList();
        var statuses = await ForEachAsync(newest, id => grains.GetGrain<IExperimentGrain>(id).GetStatusAsync());
        return [.. statuses.Where(s => s.Launched).Select(ExperimentSummary.Of)];
    }

    private async Task<IReadOnlyList<CheckpointView>> CheckpointsAsync(
        string experiment,
        string run,
        CancellationToken cancellation
    )
    {
        string folder = BlobPaths.Checkpoints(experiment, run);
        var byStep = (await blobs.ListAsync(folder, cancellation))
            .Select(b => (Blob: b, Parts: b.Path[folder.Length..].Split('/')))
            .Where(b => b.Parts.Length == 2 && BlobPaths.TryParseStep(b.Parts[0], out _))
            .GroupBy(b => b.Parts[0]);
        var views = new List<CheckpointView>();
        foreach (var group in byStep)
        {
            BlobPaths.TryParseStep(group.Key, out int step);
            var stored = group.ToDictionary(b => b.Parts[1], b => b.Blob.Size, StringComparer.Ordinal);
            views.Add(await CheckpointAsync(experiment, run, step, stored, cancellation));
        }
        return [.. views.OrderBy(v => v.Step)];
    }

    private async Task<CheckpointView> CheckpointAsync(
        string experiment,
        string run,
        int step,
        Dictionary<string, long> stored,
        CancellationToken cancellation
    )
    {
        long size = stored.Values.Sum();
        if (!stored.ContainsKey(BlobPaths.ManifestFile))
            return new CheckpointView(step, size, [], false, "manifest.json missing (never committed)");
        if (
            await blobs.ReadAsync(BlobPaths.Manifest(experiment, run, step), cancellation)
            is not BlobReadResult.Found found
        )
            return new CheckpointView(step, size, [], false, "manifest.json vanished while read");
        var manifest = CheckpointManifest.TryParse(found.Content, out string? error);
        if (manifest is null)
            return new CheckpointView(step, size, [], false, error);
        var files = manifest
            .Files.OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => new CheckpointFileView(f.Key, f.Value.Size, f.Value.Sha256))
            .ToList();
        var problems = files
            .Where(f => !stored.TryGetValue(f.Name, out long s) || s != f.Size)
            .Select(f =>
                stored.TryGetValue(f.Name, out long s)
                    ? $"{f.Name} has {s} bytes, the manifest says {f.Size}"
                    : $"{f.Name} is missing"
            )
            .ToList();
        return new CheckpointView(
            step,
            size,
            files,
            problems.Count == 0,
            problems.Count == 0 ? null : string.Join("; ", problems)
        );
    }

    private async Task<(SamplesView?, IReadOnlyList<ImagePairView>)> SamplesAsync(
        string experiment,
        string run,
        CancellationToken cancellation
    )
    {
        string folder = BlobPaths.Run(experiment, run) + "samples/";
        var listed = await blobs.ListAsync(folder, cancellation);
        int? latest = listed
            .Select(b => b.Path[folder.Length..])
            .Select(n =>
                n.EndsWith(".jsonl", StringComparison.Ordinal)
                && BlobPaths.TryParseStep(n[..^".jsonl".Length], out int s)
                    ? s
                    : (int?)null
            )
            .Where(s => s is not null)
            .Max();
        SamplesView? samples = null;
        if (
            latest is { } step
            && await blobs.ReadAsync(BlobPaths.Samples(experiment, run, step), cancellation) is BlobReadResult.Found f
        )
            samples = new SamplesView(
                step,
                [
                    .. f
                        .Content.ToString()
                        .Split('\n')
                        .Where(l => !string.IsNullOrWhiteSpace(l))
                        .Take(MaxSamples)
                        .Select(ParseLine),
                ]
            );
        var pairs = new List<ImagePairView>();
        foreach (var blob in listed)
        {
            string[] parts = blob.Path[folder.Length..].Split('/');
            if (
                parts.Length != 2
                || !parts[0].EndsWith("-images", StringComparison.Ordinal)
                || !BlobPaths.TryParseStep(parts[0][..^"-images".Length], out int pairStep)
            )
                continue;
            if (
                !parts[1].StartsWith("pair-", StringComparison.Ordinal)
                || !parts[1].EndsWith("-clean.png", StringComparison.Ordinal)
            )
                continue;
            if (!int.TryParse(parts[1]["pair-".Length..^"-clean.png".Length], out int index))
                continue;
            string url = $"/api/experiments/{experiment}/runs/{run}/images/{pairStep}/{index}";
            pairs.Add(new ImagePairView(pairStep, index, url + "-clean.png", url + "-perturbed.png"));
        }
        int? newestPairs = pairs.Count == 0 ? null : pairs.Max(p => p.Step);
        return (samples, [.. pairs.Where(p => p.Step == newestPairs).OrderBy(p => p.Index)]);
    }

    private static JsonNode? ParseLine(string line)
    {
        try
        {
            return JsonNode.Parse(line);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(line);
        }
    }

    /// <summary>Runs <paramref name="work"/> for every item, 16 at a time, keeping the order.</summary>
    private static async Task<IReadOnlyList<TOut>> ForEachAsync<TIn, TOut>(
        IReadOnlyList<TIn> items,
        Func<TIn, Task<TOut>> work
    )
    {
        var results = new TOut[items.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 16 };
        await Parallel.ForEachAsync(
            Enumerable.Range(0, items.Count),
            parallel,
            async (i, _) => results[i] = await work(items[i])
        );
        return results;
    }
}
