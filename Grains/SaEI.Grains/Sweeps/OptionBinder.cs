using System.Globalization;
using System.Reflection;
using SaEI.Gpu.Training;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// Binds spec keys (snake_case <see cref="RlOptions"/> property names, <see cref="OptionKeys.ToKey"/>) and YAML
/// scalars to <see cref="RlOptions"/> by reflection, so a new option is usable in specs without touching this file.
/// Enums accept their snake_case key or their name (`egas_only`, `EgasOnly`, `egas-only`).
/// </summary>
public static class OptionBinder
{
    /// <summary>The `method` key: set only inside methods.&lt;name&gt; (the method kind).</summary>
    public const string MethodKey = "method";

    /// <summary>Every settable option: spec key → property.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> Properties { get; } =
        typeof(RlOptions)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic)
            .ToDictionary(p => OptionKeys.ToKey(p.Name), StringComparer.Ordinal);

    /// <summary>Converts <paramref name="scalar"/> for <paramref name="key"/>; null with <paramref name="error"/> when
    /// it cannot.</summary>
    public static object? TryConvert(string key, string scalar, out string? error)
    {
        error = null;
        if (!Properties.TryGetValue(key, out var property))
        {
            error = "unknown key";
            return null;
        }
        Type type = property.PropertyType;
        string s = scalar.Trim();
        if (type == typeof(int) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i))
            return i;
        if (
            type == typeof(double)
            && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
            && double.IsFinite(d)
        )
            return d;
        if (type == typeof(bool) && bool.TryParse(s, out bool b))
            return b;
        if (type.IsEnum)
        {
            string wanted = s.Replace('-', '_');
            foreach (string name in Enum.GetNames(type))
                if (
                    string.Equals(name, wanted, StringComparison.OrdinalIgnoreCase)
                    || OptionKeys.ToKey(name) == wanted.ToLowerInvariant()
                )
                    return Enum.Parse(type, name);
            error = $"'{scalar}' is not one of {string.Join(", ", Enum.GetNames(type).Select(OptionKeys.ToKey))}";
            return null;
        }
        string expected =
            type == typeof(int) ? "an integer"
            : type == typeof(double) ? "a finite number"
            : type == typeof(bool) ? "true or false"
            : type.Name;
        error = $"'{scalar}' is not {expected}";
        return null;
    }

    /// <summary>A copy of <paramref name="options"/> with <paramref name="values"/> set; throws ArgumentException
    /// naming a bad key.</summary>
    public static RlOptions Apply(RlOptions options, IEnumerable<KeyValuePair<string, string>> values)
    {
        var copy = options with { };
        foreach (var (key, scalar) in values)
        {
            object value =
                TryConvert(key, scalar, out string? error) ?? throw new ArgumentException($"{key}: {error}.");
            Properties[key].SetValue(copy, value);
        }
        return copy;
    }

    /// <summary>Canonical text of a value: round-trip doubles, snake_case enums, lower-case bools.</summary>
    public static string Format(object? value) =>
        value switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            Enum e => OptionKeys.ToKey(e.ToString()),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            null => "null",
            _ => value.ToString() ?? "",
        };

    /// <summary>The scalar as its canonical text (for fingerprints); the scalar itself when it does not
    /// convert.</summary>
    public static string Normalize(string key, string scalar) =>
        TryConvert(key, scalar, out _) is { } value ? Format(value) : scalar;

    /// <summary>Every option as `key=value` lines in key order.</summary>
    public static string Describe(RlOptions options) =>
        string.Join(
            "\n",
            Properties
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Key}={Format(p.Value.GetValue(options))}")
        );
}
