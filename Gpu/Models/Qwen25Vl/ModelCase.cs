using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// The inputs of a reference case in the format of tests/data/qwen25vl/A/case.json (read by <c>saei model dump</c> and
/// the tests): images [3,H,W] in [0,1] (already a size smart resize keeps), input ids and attention mask [B,T] (left
/// padding), the pad id and the number of greedy steps. Images are in the order their image tokens appear in the
/// batch (row-major over rows, then positions). Owns its tensors.
/// </summary>
public sealed class ModelCase : IDisposable
{
    private ModelCase(
        IReadOnlyList<Tensor> images,
        Tensor inputIds,
        Tensor attentionMask,
        long? padTokenId,
        int newTokens
    )
    {
        Images = images;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        PadTokenId = padTokenId;
        NewTokens = newTokens;
    }

    /// <summary>Each image [3,H,W] float32 in [0,1].</summary>
    public IReadOnlyList<Tensor> Images { get; }

    /// <summary>[B,T] int64.</summary>
    public Tensor InputIds { get; }

    /// <summary>[B,T] int64, 0 on the (left) padding.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>pad_token_id (null in case A: no padding).</summary>
    public long? PadTokenId { get; }

    /// <summary>num_new_tokens: greedy steps, no end-of-sequence stopping.</summary>
    public int NewTokens { get; }

    /// <summary>Reads case.json; errors name the file and the key.</summary>
    public static ModelCase Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"No case file at '{path}'.", path);
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
        string padding = root["padding_side"]?.GetValue<string>() ?? "left";
        if (padding != "left")
            throw new InvalidDataException(
                $"{path}: padding_side '{padding}' is not supported; prompts are left-padded."
            );
        var ids = Matrix(root, "input_ids", path);
        var mask = Matrix(root, "attention_mask", path);
        if (
            ids.Length == 0
            || ids.Length != mask.Length
            || ids.Zip(mask).Any(p => p.First.Length != p.Second.Length || p.First.Length != ids[0].Length)
        )
            throw new InvalidDataException(
                $"{path}: input_ids and attention_mask must be non-empty [B,T] matrices of one shape."
            );
        var images = (root["images"] as JsonArray ?? throw new InvalidDataException($"{path}: 'images' is missing."))
            .Select((node, i) => Image(node, $"{path} images[{i}]"))
            .ToList();
        long? pad = root["pad_token_id"] is JsonValue padValue ? padValue.GetValue<long>() : null;
        int newTokens = root["num_new_tokens"] is JsonValue n ? n.GetValue<int>() : 0;
        long rows = ids.Length,
            columns = ids[0].Length;
        return new ModelCase(
            images,
            tensor(ids.SelectMany(r => r).ToArray(), [rows, columns], ScalarType.Int64),
            tensor(mask.SelectMany(r => r).ToArray(), [rows, columns], ScalarType.Int64),
            pad,
            newTokens
        );
    }

    private static long[][] Matrix(JsonObject root, string key, string path) =>
        root[key] is JsonArray rows
            ?
            [
                .. rows.Select(row =>
                    (row as JsonArray ?? throw new InvalidDataException($"{path}: {key} must be a list of lists."))
                        .Select(v => v!.GetValue<long>())
                        .ToArray()
                ),
            ]
            : throw new InvalidDataException($"{path}: '{key}' is missing.");

    private static Tensor Image(JsonNode? node, string where)
    {
        long[] shape = node?["shape"] is JsonArray s
            ? [.. s.Select(v => v!.GetValue<long>())]
            : throw new InvalidDataException($"{where}: 'shape' is missing.");
        if (shape.Length != 3 || shape[0] != 3)
            throw new InvalidDataException($"{where}: shape [{string.Join(",", shape)}] must be [3,H,W].");
        var values = new List<float>((int)(shape[0] * shape[1] * shape[2]));
        void Flatten(JsonNode? item)
        {
            if (item is JsonArray array)
                foreach (var child in array)
                    Flatten(child);
            else
                values.Add((float)item!.GetValue<double>());
        }
        Flatten(node["data"]);
        if (values.Count != shape[0] * shape[1] * shape[2])
            throw new InvalidDataException($"{where}: {values.Count} values for shape [{string.Join(",", shape)}].");
        if (values.Any(v => !(v >= 0 && v <= 1)))
            throw new InvalidDataException($"{where}: pixel values must lie in [0,1].");
        return tensor(values.ToArray(), shape, ScalarType.Float32);
    }

    public void Dispose()
    {
        foreach (var image in Images)
            image.Dispose();
        InputIds.Dispose();
        AttentionMask.Dispose();
    }
}
