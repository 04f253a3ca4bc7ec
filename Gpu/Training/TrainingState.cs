using System.Text.Json;
using System.Text.Json.Serialization;

namespace SaEI.Gpu.Training;

/// <summary>
/// state.json of a checkpoint: everything besides weights and AdamW moments that an exact resume needs — the step,
/// the data cursor, every generator state (base64 of torch get_state bytes), and the run's fixed inputs (seed, total
/// steps, options) so a restore cannot silently continue under different settings.
/// Keys are snake_case; unknown keys are errors.
/// </summary>
public sealed record TrainingState
{
    /// <summary>Bumped when the layout changes; a reader refuses other versions.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>RL steps completed.</summary>
    public required int Step { get; init; }

    /// <summary>AdamW steps taken (t of the bias correction; differs from Step with several mini-batches or
    /// skips).</summary>
    public required long OptimizerStep { get; init; }

    public required ulong Seed { get; init; }

    public required int TotalSteps { get; init; }

    /// <summary>
    /// Obsolete: the square image side of checkpoints written before mixed image sizes (issue 12). Still read so those
    /// checkpoints restore; no longer written (each image's size now comes from the model's InputSize).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ImageSize { get; init; }

    /// <summary>Training problems the cursor indexes (a restore with another count is refused).</summary>
    public required int ProblemCount { get; init; }

    public required int CursorEpoch { get; init; }

    public required int CursorPosition { get; init; }

    /// <summary>Generator name → base64 of its state bytes.</summary>
    public required IReadOnlyDictionary<string, string> Generators { get; init; }

    public required RlOptions Options { get; init; }

    public static JsonSerializerOptions JsonOptions { get; } =
        new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            WriteIndented = true,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, JsonOptions);

    public static TrainingState FromJson(byte[] json, string fileName)
    {
        TrainingState state;
        try
        {
            state =
                JsonSerializer.Deserialize<TrainingState>(json, JsonOptions)
                ?? throw new InvalidDataException($"{fileName} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{fileName}: {e.Message}", e);
        }
        if (state.SchemaVersion != CurrentSchemaVersion)
            throw new InvalidDataException(
                $"{fileName}: schema_version {state.SchemaVersion} is not supported (expected {CurrentSchemaVersion})."
            );
        return state;
    }
}
