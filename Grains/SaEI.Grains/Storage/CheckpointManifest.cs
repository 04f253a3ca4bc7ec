using System.Text.Json;
using System.Text.Json.Serialization;

namespace SaEI.Grains.Storage;

/// <summary>
/// manifest.json of one checkpoint, written LAST: its presence means "every file is uploaded and verified".
/// Files map name → size and SHA-256 (lower-case hex). <see cref="Config"/> is the run's resolved config (as given).
/// </summary>
public sealed record CheckpointManifest
{
    /// <summary>The manifest format version this code writes and reads.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string Experiment { get; init; }
    public required string Run { get; init; }
    public required int Step { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required string Config { get; init; }
    public required IReadOnlyDictionary<string, CheckpointFileEntry> Files { get; init; }

    /// <summary>Caller fields (e.g. epoch, best in-domain score); not part of the content identity.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>True when both manifests describe the same bytes and config (creation time and extras aside).</summary>
    public bool SameContentAs(CheckpointManifest other) =>
        Step == other.Step
        && Config == other.Config
        && Files.Count == other.Files.Count
        && Files.All(f => other.Files.TryGetValue(f.Key, out var o) && o == f.Value);

    public BinaryData ToJson() => BinaryData.FromObjectAsJson(this, JsonOptions);

    /// <summary>Parses a manifest; null with <paramref name="error"/> when it is not one this code can read.</summary>
    public static CheckpointManifest? TryParse(BinaryData json, out string? error)
    {
        try
        {
            var manifest = json.ToObjectFromJson<CheckpointManifest>(JsonOptions);
            error =
                manifest is null ? "manifest.json is empty"
                : manifest.SchemaVersion != CurrentSchemaVersion
                    ? $"manifest.json has schema version {manifest.SchemaVersion}, this build reads "
                        + $"{CurrentSchemaVersion}"
                : manifest.Files is null ? "manifest.json lists no files"
                : null;
            return error is null ? manifest : null;
        }
        catch (JsonException e)
        {
            error = $"manifest.json is not valid JSON ({e.Message})";
            return null;
        }
    }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}

/// <summary>One file of a checkpoint: its size in bytes and its SHA-256 (lower-case hex).</summary>
public sealed record CheckpointFileEntry(long Size, string Sha256);
