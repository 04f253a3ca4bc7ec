using System.Text.Json.Nodes;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>Typed reads from a Hugging Face config object; every error names the source and the key.</summary>
internal sealed class ConfigReader(JsonObject root, string source)
{
    /// <summary>A reader over <paramref name="overrides"/> whose keys win, falling back to this object's.</summary>
    public ConfigReader Merged(JsonObject overrides)
    {
        var merged = new JsonObject();
        foreach (var (key, value) in root)
            merged[key] = value?.DeepClone();
        foreach (var (key, value) in overrides)
            merged[key] = value?.DeepClone();
        return new ConfigReader(merged, source);
    }

    public JsonObject Object(string key) =>
        root[key] as JsonObject ?? throw new InvalidDataException($"{source}: '{key}' is missing or not an object.");

    public int Int(string key) => OptionalInt(key) ?? throw Missing(key, "an integer");

    public double Double(string key) => OptionalDouble(key) ?? throw Missing(key, "a number");

    public int? OptionalInt(string key) =>
        Value(
            key,
            node =>
                node.GetValueKind() == System.Text.Json.JsonValueKind.Number
                && Number(node) is var v
                && v == Math.Floor(v)
                && Math.Abs(v) <= int.MaxValue
                    ? (int?)(int)v
                    : null,
            "an integer"
        );

    public double? OptionalDouble(string key) =>
        Value(
            key,
            node => node.GetValueKind() == System.Text.Json.JsonValueKind.Number ? (double?)Number(node) : null,
            "a number"
        );

    public bool? OptionalBool(string key) =>
        Value(
            key,
            node =>
                node.GetValueKind() switch
                {
                    System.Text.Json.JsonValueKind.True => true,
                    System.Text.Json.JsonValueKind.False => (bool?)false,
                    _ => null,
                },
            "true or false"
        );

    public string? OptionalString(string key) =>
        Value(
            key,
            node => node.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : null,
            "a string"
        );

    public int[] IntArray(string key) => OptionalIntArray(key) ?? throw Missing(key, "an array of integers");

    public int[]? OptionalIntArray(string key)
    {
        if (root[key] is null)
            return null;
        if (root[key] is not JsonArray array)
            throw Wrong(key, "an array of integers");
        return
        [
            .. array.Select(
                (item, i) =>
                    item is JsonValue value
                    && value.GetValueKind() == System.Text.Json.JsonValueKind.Number
                    && Number(value) is var v
                    && v == Math.Floor(v)
                        ? (int)v
                        : throw Wrong($"{key}[{i}]", "an integer")
            ),
        ];
    }

    /// <summary>An integer or an array of integers (eos_token_id takes both forms); missing → empty.</summary>
    public int[] OptionalIntOrArray(string key) =>
        root[key] is JsonArray ? OptionalIntArray(key)!
        : OptionalInt(key) is { } single ? [single]
        : [];

    /// <summary>A number node's value, whether parsed from text or built in code (an int node has no double
    /// view).</summary>
    private static double Number(JsonValue value) =>
        double.Parse(
            value.ToJsonString(),
            System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture
        );

    private T? Value<T>(string key, Func<JsonValue, T?> read, string expected)
    {
        var node = root[key];
        if (node is null)
            return default;
        return node is JsonValue value && read(value) is { } result ? result : throw Wrong(key, expected);
    }

    private InvalidDataException Missing(string key, string expected) =>
        new($"{source}: '{key}' is missing; expected {expected} (see the published Qwen2.5-VL config.json).");

    private InvalidDataException Wrong(string key, string expected) => new($"{source}: '{key}' must be {expected}.");
}
