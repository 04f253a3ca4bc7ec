namespace SaEI.Gpu.Tests.Repository;

/// <summary>
/// Every tracked C# line is at most <see cref="Limit"/> characters (.editorconfig max_line_length). infra/format.sh
/// brings a checkout there (CSharpier, then infra/long_lines.py for comments and string literals); a line it cannot
/// shorten is listed by file and line for a hand edit. Characters are Unicode scalar values, as an editor counts
/// them ("∂L/∂θ" is 5), not UTF-16 units.
/// </summary>
public sealed class LineLengthTests
{
    public const int Limit = 120;

    [Fact]
    public void Every_tracked_CSharp_line_is_within_the_limit()
    {
        var references = FileReferences.OfCheckout();
        var files = references.CSharpFiles().ToList();
        var problems = LongLines(references, files);

        Assert.True(files.Count > 100, $"only {files.Count} C# files found; the repository was not found whole.");
        Assert.True(
            problems.Count == 0,
            $"{problems.Count} line(s) longer than {Limit} characters; run infra/format.sh, and shorten by hand what "
                + $"it lists:\n{string.Join('\n', problems.Take(200))}"
        );
    }

    [Fact]
    public void The_limit_is_the_one_editorconfig_declares()
    {
        string editorconfig = File.ReadAllText(Path.Combine(FileReferences.Root(), ".editorconfig"));
        string csharpier = File.ReadAllText(Path.Combine(FileReferences.Root(), ".csharpierrc"));

        Assert.Contains($"max_line_length = {Limit}", editorconfig, StringComparison.Ordinal);
        Assert.Contains($"printWidth: {Limit}", csharpier, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_line_is_reported_with_its_file_line_and_length_and_wide_characters_count_once()
    {
        string atLimit = new('x', Limit);
        string[] lines = ["namespace A;", atLimit, atLimit + "y", new string('∂', Limit - 1) + "😀"];
        var sample = new FileReferences(["A.cs"], _ => lines);

        Assert.Equal(["A.cs:3: 121 characters"], LongLines(sample, ["A.cs"]));
    }

    private static List<string> LongLines(FileReferences references, IEnumerable<string> files) =>
        [
            .. files.SelectMany(file =>
                references
                    .Lines(file)
                    .Select((line, index) => (Number: index + 1, Length: line.EnumerateRunes().Count()))
                    .Where(line => line.Length > Limit)
                    .Select(line => $"{file}:{line.Number}: {line.Length} characters")
            ),
        ];
}
