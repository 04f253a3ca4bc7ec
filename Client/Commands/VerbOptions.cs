using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using SaEI.Grains.Storage;

namespace SaEI.Client.Commands;

/// <summary>
/// The option and argument kinds the verbs share. Each checks its value while the command line is parsed, so a bad
/// value is a usage error (exit 2) whose message names the option and what to give, before anything is read or
/// connected.
/// </summary>
public static class VerbOptions
{
    /// <summary>`--json`: the result as JSON on stdout (snake_case keys).</summary>
    public static Option<bool> Json() => new("--json") { Description = "Write the result as JSON (snake_case keys)." };

    /// <summary>An optional text value; null when absent.</summary>
    public static Option<string?> Text(string name, string helpName, string description) =>
        new(name) { HelpName = helpName, Description = description };

    /// <summary>A required text value.</summary>
    public static Option<string> RequiredText(string name, string helpName, string description) =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            Required = true,
        };

    /// <summary>One of <paramref name="values"/> (shown in help and completions); null when absent.</summary>
    public static Option<string?> OneOf(
        string name,
        string description,
        IReadOnlyList<string> values,
        bool required = false
    )
    {
        var option = new Option<string?>(name)
        {
            HelpName = string.Join("|", values),
            Description = description,
            Required = required,
        };
        option.CompletionSources.Add(values.ToArray());
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && !values.Contains(result.Tokens[0].Value, StringComparer.Ordinal))
                result.AddError(
                    $"option '{name}' is '{result.Tokens[0].Value}'; give one of: {string.Join(", ", values)}."
                );
        });
        return option;
    }

    /// <summary>A whole number ≥ 1; null when absent.</summary>
    public static Option<int?> PositiveInt(string name, string helpName, string description) =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            CustomParser = result =>
                Parse<int?>(
                    result,
                    name,
                    "a positive whole number",
                    text =>
                        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
                        && value > 0
                            ? value
                            : (int?)null
                ),
        };

    /// <summary>A whole number ≥ 1 that may exceed 2³¹ (byte counts); null when absent.</summary>
    public static Option<long?> PositiveLong(string name, string helpName, string description) =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            CustomParser = result =>
                Parse<long?>(
                    result,
                    name,
                    "a positive whole number",
                    text =>
                        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
                        && value > 0
                            ? value
                            : (long?)null
                ),
        };

    /// <summary>A whole number ≥ 0 (seeds); null when absent.</summary>
    public static Option<long?> NonNegativeLong(string name, string helpName, string description) =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            CustomParser = result =>
                Parse<long?>(
                    result,
                    name,
                    "a whole number ≥ 0",
                    text =>
                        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
                        && value >= 0
                            ? value
                            : (long?)null
                ),
        };

    /// <summary>A number &gt; 0 (fractions allowed) up to <paramref name="maximum"/>; null when absent.</summary>
    public static Option<double?> PositiveNumber(string name, string helpName, string description, double maximum) =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            CustomParser = result =>
                Parse<double?>(
                    result,
                    name,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"a number > 0 and ≤ {maximum:G} (fractions allowed, e.g. 0.5)"
                    ),
                    text =>
                        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                        && value > 0
                        && value <= maximum
                            ? value
                            : (double?)null
                ),
        };

    /// <summary>
    /// An id argument (experiment, run), checked by the id rule while parsing: a path like `../../x` gets the rule,
    /// not a cluster round trip.
    /// </summary>
    public static Argument<string> Id(string name, string kind, string description)
    {
        var argument = new Argument<string>(name) { Description = description };
        argument.Validators.Add(result =>
        {
            if (Ids.Check(result.GetValueOrDefault<string>(), kind) is { } problem)
                result.AddError(problem);
        });
        return argument;
    }

    /// <summary>A file or folder argument (read by the verb; a missing one is a failed verb, exit 1).</summary>
    public static Argument<string> Path(string name, string description) => new(name) { Description = description };

    private static T? Parse<T>(ArgumentResult result, string name, string expected, Func<string, T?> parse)
    {
        if (result.Tokens.Count == 0)
            return default;
        string text = result.Tokens[0].Value;
        if (parse(text) is { } value)
            return value;
        result.AddError($"option '{name}' is '{text}'; give {expected}.");
        return default;
    }
}
