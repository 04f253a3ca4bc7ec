using System.Text.RegularExpressions;

namespace SaEI.Grains.Storage;

/// <summary>
/// Validation of ids (experiment, run, method, model and file names) before they become parts of blob paths.
/// Rule: 1–<see cref="MaxLength"/> characters from [a-z0-9-_.], starting with a letter or digit (so "." and ".."
/// and hidden names cannot appear), no "..". Lower case only, because blob names are case-sensitive and people
/// are not: "SaEI" and "saei" must not be two experiments.
/// </summary>
public static partial class Ids
{
    /// <summary>The longest id accepted (keeps blob paths well under Azure's 1,024-character limit).</summary>
    public const int MaxLength = 80;

    /// <summary>The rule, as shown in error messages.</summary>
    public const string Rule = "1-80 characters from [a-z0-9-_.], starting with a letter or digit, without '..'";

    /// <summary>Null when <paramref name="id"/> is valid, else a message naming the id, its kind and the
    /// rule.</summary>
    public static string? Check(string? id, string kind)
    {
        if (string.IsNullOrEmpty(id))
            return $"{kind} id is empty; use {Rule}.";
        if (id.Length > MaxLength)
            return $"{kind} id '{Shorten(id)}' has {id.Length} characters; use {Rule}.";
        if (!Pattern().IsMatch(id) || id.Contains("..", StringComparison.Ordinal))
            return $"{kind} id '{Shorten(id)}' is not allowed; use {Rule} (e.g. '{Suggest(id)}').";
        return null;
    }

    /// <summary>True when <paramref name="id"/> is valid.</summary>
    public static bool IsValid(string? id) => Check(id, "the") is null;

    /// <summary>Returns <paramref name="id"/> or throws <see cref="ArgumentException"/> naming it and the
    /// rule.</summary>
    public static string Require(string? id, string kind)
    {
        string? error = Check(id, kind);
        return error is null ? id! : throw new ArgumentException(error, kind);
    }

    /// <summary>A valid id close to <paramref name="id"/>: lower case, other characters replaced by '-'.</summary>
    public static string Suggest(string id)
    {
        var chars = id.ToLowerInvariant()
            .Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' ? c : '-')
            .ToArray();
        string suggestion = new string(chars).Replace("..", ".", StringComparison.Ordinal).TrimStart('-', '_', '.');
        if (suggestion.Length == 0)
            suggestion = "x";
        return suggestion.Length > MaxLength ? suggestion[..MaxLength] : suggestion;
    }

    private static string Shorten(string id) => id.Length <= 100 ? id : id[..100] + "…";

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
