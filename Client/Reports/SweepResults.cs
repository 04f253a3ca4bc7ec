using System.Globalization;
using System.Text.Json;
using SaEI.Gpu.Training.Sft;
using SaEI.Grains.Experiments;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;
using SaEI.Grains.Training;

namespace SaEI.Client.Reports;

/// <summary>
/// What a sweep's report is made of: the spec stored at launch, every run's status, the leaderboard rows and the
/// comparisons with the baseline, and the base model's summary when the SFT warm start made it.
/// </summary>
public sealed record SweepResults(
    SweepSpec Spec,
    SweepStatus Status,
    IReadOnlyList<LeaderboardRow> Rows,
    IReadOnlyList<LeaderboardComparison> Comparisons,
    string? BaseModelSummary
)
{
    /// <summary>
    /// Reads the results of <paramref name="experiment"/> through the cluster (<paramref name="grains"/>: a client or
    /// an in-process silo, so `saei report` and the demo read the same way) and blob storage.
    /// </summary>
    public static async Task<SweepResults> LoadAsync(
        IGrainFactory grains,
        ResilientBlobStore blobs,
        string experiment,
        string baseline,
        CancellationToken cancellation
    )
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(blobs);
        var status = await grains.GetGrain<IExperimentGrain>(experiment).GetStatusAsync();
        if (!status.Launched)
            throw new UserFacingException(
                $"experiment '{experiment}' was never launched; launch it with `saei sweep launch <spec.yaml>`."
            );
        var spec = await LoadSpecAsync(blobs, experiment, cancellation);
        var leaderboard = grains.GetGrain<ILeaderboardGrain>(experiment);
        var rows = await leaderboard.QueryAsync(null);
        var comparisons = await leaderboard.CompareAsync(null, baseline);
        string? summary = spec.Model.Base is { } model
            ? await BaseModelSummaryAsync(blobs, ModelStore.NameOf(model), cancellation)
            : null;
        return new SweepResults(spec, status, rows, comparisons, summary);
    }

    /// <summary>The spec the experiment stored at launch (experiments/{exp}/spec.yaml).</summary>
    private static async Task<SweepSpec> LoadSpecAsync(
        ResilientBlobStore blobs,
        string experiment,
        CancellationToken cancellation
    )
    {
        string path = BlobPaths.Spec(experiment);
        if (await blobs.ReadAsync(path, cancellation) is not BlobReadResult.Found found)
            throw new UserFacingException(
                $"experiment '{experiment}' has no stored spec ({path} in {blobs.Uri}); check that Saei:Storage "
                    + "(Saei__Storage) names the cluster's storage account."
            );
        var parsed = SweepSpecParser.Parse(found.Content.ToString(), SpecLimits.Stored);
        return parsed.Spec
            ?? throw new UserFacingException(
                $"experiment '{experiment}': the stored spec {path} does not parse: {string.Join("; ", parsed.Errors)}"
            );
    }

    /// <summary>The base model's pass@1 line from its SFT summary, or null when it has none.</summary>
    public static async Task<string?> BaseModelSummaryAsync(
        ResilientBlobStore blobs,
        string modelName,
        CancellationToken cancellation
    )
    {
        ArgumentNullException.ThrowIfNull(blobs);
        return
            await blobs.ReadAsync(BlobPaths.ModelFilePath(modelName, SftWarmStart.SummaryFileName), cancellation)
                is BlobReadResult.Found summary
            ? BaseSummary(summary.Content.ToString())
            : null;
    }

    private const string SummarySource = "on the synthetic test split (SFT warm start)";

    private static string? BaseSummary(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (!root.TryGetProperty("base_pass_at_1", out var pass1) || pass1.ValueKind != JsonValueKind.Number)
                return null;
            double format =
                root.TryGetProperty("base_format_rate", out var rate) && rate.ValueKind == JsonValueKind.Number
                    ? rate.GetDouble()
                    : double.NaN;
            return string.Create(
                CultureInfo.InvariantCulture,
                $"pass@1 {100 * pass1.GetDouble():0.0}%, format rate {100 * format:0.0}% {SummarySource}"
            );
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
