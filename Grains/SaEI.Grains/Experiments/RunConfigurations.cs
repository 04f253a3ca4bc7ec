using System.Text.Json;
using System.Text.Json.Serialization;
using SaEI.Grains.Storage;

namespace SaEI.Grains.Experiments;

/// <summary>
/// Reads and writes <see cref="RunConfiguration"/> as experiments/{exp}/runs/{run}/run.json: snake_case JSON, enums
/// by name, and an unknown member is an error (a file from a newer release is refused, not half read).
/// </summary>
public static class RunConfigurations
{
    public static JsonSerializerOptions JsonOptions { get; } =
        new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            WriteIndented = true,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        };

    public static BinaryData ToJson(RunConfiguration configuration) =>
        BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(configuration, JsonOptions));

    /// <summary>The configuration in <paramref name="json"/>; <see cref="InvalidDataException"/> naming
    /// <paramref name="path"/> when it is not one.</summary>
    public static RunConfiguration FromJson(BinaryData json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunConfiguration>(json, JsonOptions)
                ?? throw new InvalidDataException(
                    $"{path} is empty; relaunch the sweep with the same spec to rewrite it."
                );
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{path} is not a run configuration ({e.Message}); it was written by "
                    + "another release or damaged: delete it and relaunch the sweep with the same spec to write it "
                    + "again.",
                e
            );
        }
    }

    /// <summary>
    /// Writes the configuration unless the run already has one (a relaunch keeps what the run started with).
    /// </summary>
    public static async Task WriteAsync(
        ResilientBlobStore blobs,
        RunConfiguration configuration,
        CancellationToken cancellation = default
    ) =>
        await blobs.WriteAsync(
            BlobPaths.RunConfiguration(configuration.Experiment, configuration.RunId),
            ToJson(configuration),
            WriteCondition.CreateOnly,
            cancellation
        );

    /// <summary>
    /// The configuration stored at <paramref name="path"/>; <see cref="FileNotFoundException"/> naming the blob and the
    /// fix when there is none (a run launched by a release before run.json existed).
    /// </summary>
    public static async Task<RunConfiguration> ReadAsync(
        ResilientBlobStore blobs,
        string path,
        CancellationToken cancellation = default
    )
    {
        if (await blobs.ReadAsync(path, cancellation) is not BlobReadResult.Found found)
            throw new FileNotFoundException(
                $"{path} is missing; relaunch the sweep with the same spec (saei sweep launch SPEC) to write it.",
                path
            );
        return FromJson(found.Content, path);
    }
}
