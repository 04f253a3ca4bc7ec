namespace SaEI.Grains.Sweeps;

/// <summary>Parses and validates sweep specs (YAML). Every problem is collected, with its key path and line.</summary>
public static partial class SweepSpecParser
{
    /// <summary>The spec, or every problem found (never both).</summary>
    public static SpecParseResult Parse(string yaml) => ParseCore(yaml);

    /// <summary>The spec, or <see cref="SweepSpecException"/> listing every problem, prefixed by <paramref name="source"/>.</summary>
    public static SweepSpec ParseOrThrow(string yaml, string source = "spec")
    {
        var result = Parse(yaml);
        return result.Spec ?? throw new SweepSpecException(source, result.Errors);
    }

    /// <summary>Reads and parses a spec file; a missing file is one error naming it.</summary>
    public static async Task<SpecParseResult> ParseFileAsync(string path, CancellationToken cancellation = default)
    {
        if (!File.Exists(path)) return new SpecParseResult(null, [new SpecError("", $"file '{path}' does not exist; give the path of a YAML sweep spec.")]);
        return Parse(await File.ReadAllTextAsync(path, cancellation));
    }
}

/// <summary>Either a spec or the problems that prevent one.</summary>
public sealed record SpecParseResult(SweepSpec? Spec, IReadOnlyList<SpecError> Errors)
{
    public bool Ok => Spec is not null;
}
