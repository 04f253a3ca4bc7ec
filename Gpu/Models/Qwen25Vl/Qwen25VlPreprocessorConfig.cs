using System.Text.Json;
using System.Text.Json.Nodes;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// The image processor's settings from Hugging Face's <c>preprocessor_config.json</c> (docs/qwen25vl.md §1.1): CLIP
/// mean/std and the smart-resize pixel bounds. The defaults are the published checkpoints' values.
/// Decisions:
/// 1. Newer transformers re-saves the bounds as <c>size: {shortest_edge, longest_edge}</c>; both spellings are read
///    (top-level min_pixels/max_pixels win, as in transformers).
/// 2. patch_size, merge_size and temporal_patch_size, when present, must agree with config.json's vision_config;
///    a mismatch is an error naming both files' values (<see cref="Qwen25VlImageProcessor"/> checks it).
/// 3. Keys this processor does not use (do_resize, resample, processor_class, ...) are ignored, as transformers does.
/// </summary>
public sealed record Qwen25VlPreprocessorConfig
{
    /// <summary>OpenAI CLIP per-channel mean (R,G,B) of [0,1] pixels.</summary>
    public IReadOnlyList<double> ImageMean { get; init; } = [0.48145466, 0.4578275, 0.40821073];

    /// <summary>OpenAI CLIP per-channel standard deviation (R,G,B).</summary>
    public IReadOnlyList<double> ImageStd { get; init; } = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>Smallest resized area in pixels; default 3136 = 4·28·28.</summary>
    public long MinPixels { get; init; } = SmartResize.DefaultMinPixels;

    /// <summary>Largest resized area in pixels; default 12845056 = 16384·28·28.</summary>
    public long MaxPixels { get; init; } = SmartResize.DefaultMaxPixels;

    /// <summary>patch_size when the file gives one (checked against the vision config).</summary>
    public int? PatchSize { get; init; }

    /// <summary>merge_size when the file gives one (checked against spatial_merge_size).</summary>
    public int? MergeSize { get; init; }

    /// <summary>temporal_patch_size when the file gives one.</summary>
    public int? TemporalPatchSize { get; init; }

    /// <summary>Reads preprocessor_config.json; errors name the file and the key.</summary>
    public static Qwen25VlPreprocessorConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"No preprocessor_config.json at '{path}'.", path);
        JsonObject root;
        try
        {
            root =
                JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
        return Parse(root, path);
    }

    /// <summary>Parses a preprocessor config object; <paramref name="source"/> names it in errors.</summary>
    public static Qwen25VlPreprocessorConfig Parse(JsonObject root, string source)
    {
        var defaults = new Qwen25VlPreprocessorConfig();
        var reader = new ConfigReader(root, source);
        var size = root["size"] as JsonObject;
        var sizeReader = size is null ? null : new ConfigReader(size, $"{source} size");
        var config = new Qwen25VlPreprocessorConfig
        {
            ImageMean = DoubleArray(root, "image_mean", source) ?? defaults.ImageMean,
            ImageStd = DoubleArray(root, "image_std", source) ?? defaults.ImageStd,
            MinPixels =
                Pixels(reader, "min_pixels", source)
                ?? Pixels(sizeReader, "shortest_edge", source)
                ?? defaults.MinPixels,
            MaxPixels =
                Pixels(reader, "max_pixels", source)
                ?? Pixels(sizeReader, "longest_edge", source)
                ?? defaults.MaxPixels,
            PatchSize = reader.OptionalInt("patch_size"),
            MergeSize = reader.OptionalInt("merge_size"),
            TemporalPatchSize = reader.OptionalInt("temporal_patch_size"),
        };
        config.Validate(source);
        return config;
    }

    private static double[]? DoubleArray(JsonObject root, string key, string source)
    {
        if (root[key] is null)
            return null;
        if (root[key] is not JsonArray array)
            throw new InvalidDataException($"{source}: '{key}' must be an array of 3 numbers.");
        return
        [
            .. array.Select(
                (item, i) =>
                    item is JsonValue value && value.GetValueKind() == JsonValueKind.Number
                        ? double.Parse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)
                        : throw new InvalidDataException($"{source}: '{key}[{i}]' must be a number.")
            ),
        ];
    }

    /// <summary>A pixel count (an integer that may exceed int: 16384·28·28 does not, but a re-save may write
    /// 1.2845056e7).</summary>
    private static long? Pixels(ConfigReader? reader, string key, string source) =>
        reader?.OptionalDouble(key) switch
        {
            null => null,
            double v when v == Math.Floor(v) && v >= 1 && v <= long.MaxValue => (long)v,
            double v => throw new InvalidDataException($"{source}: '{key}' must be a positive integer; got {v}."),
        };

    /// <summary>Throws naming the key when a value cannot be used.</summary>
    public void Validate(string source = "preprocessor_config.json")
    {
        if (ImageMean.Count != 3 || ImageStd.Count != 3)
            throw new InvalidDataException(
                $"{source}: image_mean and image_std need 3 values (R,G,B); got {ImageMean.Count} and {ImageStd.Count}."
            );
        if (ImageStd.Any(s => !(s > 0)))
            throw new InvalidDataException($"{source}: image_std [{string.Join(",", ImageStd)}] must be positive.");
        if (MinPixels < 1 || MaxPixels < MinPixels)
            throw new InvalidDataException(
                $"{source}: need 0 < min_pixels ≤ max_pixels; got {MinPixels} and {MaxPixels}."
            );
    }
}
