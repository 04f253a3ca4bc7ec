using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// Typed reads from a YAML tree that collect errors (with key path, line and column) instead of throwing, so one
/// validation reports every problem. Also remembers where each key path was written, for errors found later.
/// Errors past <paramref name="maxErrors"/> are only counted (a spec of 200,000 unknown keys lists 100 and the count of
/// the rest, not 200,000 lines), and text echoed from the spec is clipped, so the report stays small.
/// </summary>
internal sealed class SpecReader(int maxErrors = int.MaxValue)
{
    /// <summary>Longest key path and message kept in an error (the rest of a pasted blob is not echoed back).</summary>
    private const int MaxPathLength = 200,
        MaxMessageLength = 2000;

    private readonly Dictionary<string, YamlNode> locations = new(StringComparer.Ordinal);

    public List<SpecError> Errors { get; } = [];

    /// <summary>Errors found after the list was full.</summary>
    public int Unlisted { get; private set; }

    /// <summary>True once <see cref="Errors"/> holds the most errors listed; callers skip building costly
    /// messages.</summary>
    public bool Full => Errors.Count >= maxErrors;

    public void Error(string path, string message, YamlNode? at = null)
    {
        if (Full)
        {
            Unlisted++;
            return;
        }
        at ??= locations.GetValueOrDefault(path);
        Errors.Add(
            new SpecError(
                Clip(path, MaxPathLength),
                Clip(message, MaxMessageLength),
                at is null ? null : (int)at.Start.Line,
                at is null ? null : (int)at.Start.Column
            )
        );
    }

    /// <summary>The listed errors, and a last line counting the unlisted ones when the list stopped.</summary>
    public IReadOnlyList<SpecError> Report() =>
        Unlisted == 0
            ? Errors
            :
            [
                .. Errors,
                new SpecError(
                    "",
                    $"… and {Unlisted} more problem(s), not listed: the list stops after {maxErrors} "
                        + $"({SpecLimits.Setting(nameof(SpecLimits.MaxErrors))}). Fix these and validate again."
                ),
            ];

    private static string Clip(string text, int length) =>
        text.Length <= length ? text : string.Concat(text.AsSpan(0, length), $"… ({text.Length} characters)");

    /// <summary>Where <paramref name="path"/> was written (its key's line), if it was.</summary>
    public YamlNode? Location(string path) => locations.GetValueOrDefault(path);

    /// <summary>The mapping at <paramref name="node"/>, or null (with an error unless the node is
    /// absent/empty).</summary>
    public YamlMappingNode? Mapping(YamlNode? node, string path)
    {
        if (node is null || IsNull(node))
            return null;
        if (node is YamlMappingNode map)
            return map;
        Error(path, "expected a mapping of `key: value` lines here.", node);
        return null;
    }

    /// <summary>Entries of <paramref name="map"/> by key; unknown keys are errors with a suggestion.</summary>
    public Dictionary<string, YamlNode> Entries(YamlMappingNode? map, string path, IReadOnlyCollection<string>? allowed)
    {
        var entries = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (map is null)
            return entries;
        foreach (var (keyNode, value) in map.Children)
        {
            string key = keyNode is YamlScalarNode { Value: { } k } ? k : keyNode.ToString();
            string full = Join(path, key);
            locations[full] = keyNode;
            if (allowed is not null && !allowed.Contains(key))
            {
                Error(full, Full ? "" : "unknown key; " + Suggest(key, allowed), keyNode);
                continue;
            }
            entries[key] = value;
        }
        return entries;
    }

    public string? Scalar(Dictionary<string, YamlNode> entries, string key, string path, bool required = false)
    {
        string full = Join(path, key);
        if (!entries.TryGetValue(key, out var node) || IsNull(node))
        {
            if (required)
                Error(full, "is required.", Location(full) ?? Location(path));
            return null;
        }
        if (node is YamlScalarNode { Value: { } value })
            return value;
        Error(full, "expected a single value here, not a list or mapping.", node);
        return null;
    }

    public int? Int(
        Dictionary<string, YamlNode> entries,
        string key,
        string path,
        int min,
        int max,
        string hint,
        bool required = false
    )
    {
        string? text = Scalar(entries, key, path, required);
        if (text is null)
            return null;
        if (
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            && value >= min
            && value <= max
        )
            return value;
        Error(Join(path, key), $"is '{text}'; set an integer in {min}..{max} ({hint}).", entries[key]);
        return null;
    }

    public double? Double(
        Dictionary<string, YamlNode> entries,
        string key,
        string path,
        double min,
        double max,
        bool minExclusive,
        string hint
    )
    {
        string? text = Scalar(entries, key, path);
        if (text is null)
            return null;
        if (
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && double.IsFinite(value)
            && (minExclusive ? value > min : value >= min)
            && value <= max
        )
            return value;
        Error(
            Join(path, key),
            $"is '{text}'; set a number in {(minExclusive ? "(" : "[")}{min.ToString(CultureInfo.InvariantCulture)}, "
                + $"{max.ToString(CultureInfo.InvariantCulture)}] ({hint}).",
            entries[key]
        );
        return null;
    }

    /// <summary>The scalars of a sequence (with their nodes); an error when it is not a sequence of scalars.</summary>
    public List<(string Value, YamlNode Node)>? ScalarList(YamlNode? node, string path)
    {
        if (node is null || IsNull(node))
            return null;
        if (node is not YamlSequenceNode sequence)
        {
            Error(path, "expected a list, e.g. [1, 2, 3].", node);
            return null;
        }
        var values = new List<(string, YamlNode)>();
        for (int i = 0; i < sequence.Children.Count; i++)
        {
            if (sequence.Children[i] is YamlScalarNode { Value: { } v })
                values.Add((v, sequence.Children[i]));
            else
                Error($"{path}[{i}]", "expected a single value.", sequence.Children[i]);
        }
        return values;
    }

    public static bool IsNull(YamlNode node) =>
        node
            is YamlScalarNode
            {
                Value: null or "" or "~" or "null",
                Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted)
            };

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>"did you mean X?" for a close key, else the list of allowed keys.</summary>
    public static string Suggest(string key, IReadOnlyCollection<string> allowed)
    {
        // Edit distance costs length × length: a pasted blob as a key gets the list, not a quadratic search.
        if (key.Length > 64)
            return "allowed keys: " + string.Join(", ", allowed.Order(StringComparer.Ordinal)) + ".";
        var best = allowed
            .Select(a => (Key: a, Distance: Levenshtein(key.ToLowerInvariant(), a)))
            .OrderBy(a => a.Distance)
            .ThenBy(a => a.Key, StringComparer.Ordinal)
            .FirstOrDefault();
        if (best.Key is not null && best.Distance <= Math.Max(2, key.Length / 3))
            return $"did you mean {best.Key}?";
        return "allowed keys: " + string.Join(", ", allowed.Order(StringComparer.Ordinal)) + ".";
    }

    internal static int Levenshtein(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(
                    Math.Min(current[j - 1] + 1, previous[j] + 1),
                    previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                );
            previous = current;
        }
        return previous[b.Length];
    }
}
