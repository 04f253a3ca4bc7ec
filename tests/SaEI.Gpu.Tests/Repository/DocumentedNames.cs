using System.Text.RegularExpressions;

namespace SaEI.Gpu.Tests.Repository;

/// <summary>
/// Checks the code names the documents under docs cite as <c>`Type.Member`</c> (a method, property or nested
/// type, both PascalCase, in backticks): the type must be declared in a C# file of the repository and the member must
/// occur in a file that declares it, so a rename in the code fails the test instead of leaving the document behind.
/// Decisions: a text check over the sources, not reflection (the test project does not load the grain assemblies);
/// names of other libraries are listed in <see cref="ExternalTypes"/>.
/// </summary>
public sealed class DocumentedNames
{
    /// <summary>Types of other libraries the documents cite.</summary>
    public static readonly IReadOnlySet<string> ExternalTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "BpeTokenizer",
        "TorchSharp",
    };

    private static readonly Regex Declaration = new(
        @"\b(?:class|record|struct|enum|interface)\s+(?:class\s+|struct\s+)?([A-Z]\w*)",
        RegexOptions.Compiled
    );
    private static readonly Regex Cited = new(@"`([A-Z]\w*)\.([A-Z]\w*)(?=[`(])", RegexOptions.Compiled);

    private readonly Dictionary<string, List<string>> declaringSources = new(StringComparer.Ordinal);

    /// <param name="sources">The text of every C# file of the repository.</param>
    public DocumentedNames(IEnumerable<string> sources)
    {
        foreach (string source in sources)
        foreach (Match declaration in Declaration.Matches(source))
        {
            string type = declaration.Groups[1].Value;
            if (!declaringSources.TryGetValue(type, out var list))
                declaringSources[type] = list = [];
            list.Add(source);
        }
    }

    /// <summary>The problems of one line of a document.</summary>
    public IEnumerable<string> LineProblems(string line)
    {
        foreach (Match cited in Cited.Matches(line))
        {
            string type = cited.Groups[1].Value,
                member = cited.Groups[2].Value;
            if (ExternalTypes.Contains(type))
                continue;
            if (!declaringSources.TryGetValue(type, out var sources))
                yield return $"'{type}.{member}': no type {type} is declared in the repository's C# files; "
                    + "cite the current name.";
            else if (!sources.Any(s => Regex.IsMatch(s, $@"\b{Regex.Escape(member)}\b")))
                yield return $"'{type}.{member}': {type} has no member {member}; cite the current name.";
        }
    }
}
