namespace SaEI.Grains.Sweeps;

/// <summary>
/// Parses and validates sweep specs (YAML). Every problem is collected, with its key path and line, up to <see
/// cref="SpecLimits.MaxErrors"/>. Size and nesting are bounded before the YAML is loaded (<see cref="SpecBounds"/>),
/// and the run count before the runs are expanded.
/// </summary>
public static partial class SweepSpecParser
{
    /// <summary>The spec, or every problem found (never both); <paramref name="limits"/> defaults to <see
    /// cref="SpecLimits.Default"/>.</summary>
    public static SpecParseResult Parse(string yaml, SpecLimits? limits = null) =>
        ParseCore(yaml ?? "", limits ?? SpecLimits.Default);

    /// <summary>The spec, or <see cref="SweepSpecException"/> listing every problem, prefixed by <paramref
    /// name="source"/>.</summary>
    public static SweepSpec ParseOrThrow(string yaml, string source = "spec", SpecLimits? limits = null)
    {
        var result = Parse(yaml, limits);
        return result.Spec ?? throw new SweepSpecException(source, result.Errors);
    }

    /// <summary>A spec file's text (bounded read, strict UTF-8), or the one error that names the file.</summary>
    public static Task<(string? Text, SpecError? Error)> ReadFileAsync(
        string path,
        SpecLimits? limits = null,
        CancellationToken cancellation = default
    ) => SpecBounds.ReadFileAsync(path, limits ?? SpecLimits.Default, cancellation);

    /// <summary>Reads (bounded, strict UTF-8) and parses a spec file; a missing, oversized or non-text file is one
    /// error naming it.</summary>
    public static async Task<SpecParseResult> ParseFileAsync(
        string path,
        SpecLimits? limits = null,
        CancellationToken cancellation = default
    )
    {
        limits ??= SpecLimits.Default;
        var (text, error) = await SpecBounds.ReadFileAsync(path, limits, cancellation);
        return error is not null ? new SpecParseResult(null, [error]) : Parse(text!, limits);
    }
}

/// <summary>Either a spec or the problems that prevent one.</summary>
public sealed record SpecParseResult(SweepSpec? Spec, IReadOnlyList<SpecError> Errors)
{
    public bool Ok => Spec is not null;

    /// <summary>Problems found but not listed (past <see cref="SpecLimits.MaxErrors"/>; the last error counts
    /// them).</summary>
    public int Unlisted { get; init; }

    /// <summary>Every problem found, listed or not.</summary>
    public int ProblemCount => Unlisted > 0 ? Errors.Count - 1 + Unlisted : Errors.Count;
}
