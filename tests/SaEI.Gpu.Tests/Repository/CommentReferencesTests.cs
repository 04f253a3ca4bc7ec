namespace SaEI.Gpu.Tests.Repository;

/// <summary>
/// No comment, document or message refers to a file that is not in the repository (<see cref="FileReferences"/>),
/// so the references cannot drift when a document moves or a file is renamed. The rule's own cases are built from
/// pieces, so this file does not trip the scan.
/// </summary>
public sealed class CommentReferencesTests
{
    private const string Md = ".md";
    private static readonly string Shared = string.Concat("..", "/", "shared");

    [Fact]
    public void Every_file_reference_in_the_repository_resolves_inside_it()
    {
        var references = FileReferences.OfCheckout();
        var scanned = references.ScannedFiles().ToList();
        var problems = scanned.SelectMany(references.Problems).ToList();

        Assert.True(scanned.Count > 100, $"only {scanned.Count} files scanned; the repository was not found whole.");
        Assert.True(
            problems.Count == 0,
            $"{problems.Count} reference(s) outside the repository:\n{string.Join('\n', problems)}"
        );
    }

    [Fact]
    public void Every_code_name_the_documents_cite_is_declared_in_the_repository()
    {
        var references = FileReferences.OfCheckout();
        var names = new DocumentedNames(references.CSharpFiles().Select(f => string.Join('\n', references.Lines(f))));
        var documents = references.Documents().ToList();
        var problems = documents
            .SelectMany(d =>
                references.Lines(d).SelectMany((line, i) => names.LineProblems(line).Select(p => $"{d}:{i + 1}: {p}"))
            )
            .ToList();

        Assert.True(documents.Count >= 5, $"only {documents.Count} documents under docs/.");
        Assert.True(problems.Count == 0, $"{problems.Count} stale name(s):\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void A_renamed_type_or_member_is_reported()
    {
        var names = new DocumentedNames(["public static class PolicyLoss { public static Tensor Clipped() => x; }"]);

        Assert.Empty(
            names.LineProblems("`PolicyLoss.Clipped` (`Gpu/Objectives/PolicyLoss.cs`), `BpeTokenizer.Create`")
        );
        Assert.Contains("has no member", Assert.Single(names.LineProblems("`PolicyLoss.Compute(`")));
        Assert.Contains("no type", Assert.Single(names.LineProblems("`ClippedLoss.Clipped`")));
    }

    [Fact]
    public void A_document_outside_the_repository_is_reported_with_the_fix()
    {
        var problems = Sample().LineProblems("Gpu/Loss.cs", $"/// GRPO (ALGORITHM{Md} §1.5).").ToList();

        Assert.Equal(
            $"'ALGORITHM{Md}' is not in the repository; cite a document under docs/ (or add the file).",
            Assert.Single(problems)
        );
    }

    [Fact]
    public void A_section_that_the_document_lacks_is_reported_and_an_existing_one_is_not()
    {
        var references = Sample();

        Assert.Empty(references.LineProblems("Gpu/Loss.cs", $"/// GRPO (docs/algorithm{Md} §1.5, Eq. 2)."));
        Assert.Empty(references.LineProblems("Gpu/Loss.cs", $"/// the method (docs/algorithm{Md} §1)."));
        Assert.Contains(
            "has no such section",
            Assert.Single(references.LineProblems("Gpu/Loss.cs", $"/// (docs/algorithm{Md} §9.1)."))
        );
    }

    [Fact]
    public void A_specification_cited_by_name_without_its_extension_is_refused()
    {
        string name = string.Concat("ARCHI", "TECTURE");

        Assert.Contains(
            "specification outside the repository",
            Assert.Single(Sample().LineProblems("Gpu/Loss.cs", $"/// files for blob storage ({name} \"Storage\")"))
        );
    }

    [Fact]
    public void The_shared_folder_beside_the_checkout_is_refused()
    {
        var problems = Sample().LineProblems("tests/data/README.md", $"Copies of `{Shared}/data` kept here.").ToList();

        Assert.Contains(problems, p => p.Contains("outside the repository", StringComparison.Ordinal));
    }

    [Fact]
    public void Repository_paths_resolve_to_files_folders_or_members_of_csharp_files()
    {
        var references = Sample();

        Assert.Empty(references.LineProblems("README.md", "`Gpu/Objectives/PolicyLoss.Clipped` in Gpu/Objectives/"));
        Assert.Empty(references.LineProblems("README.md", "the specs `examples/paper-*.yaml`, Gpu/bin/Release/x.dll"));
        Assert.Contains(
            "not a file or folder",
            Assert.Single(references.LineProblems("README.md", "see `examples/synthetic-gone.yaml`"))
        );
    }

    [Fact]
    public void Relative_and_bare_markdown_names_resolve_like_links()
    {
        var references = Sample();

        Assert.Empty(references.LineProblems($"docs/grader{Md}", $"the maths (algorithm{Md} §1)"));
        Assert.Empty(references.LineProblems("tests/data/README.md", $"notes in `../../docs/algorithm{Md}`"));
        Assert.Empty(references.LineProblems("Client/Demo.cs", $"File.Write(\"report{Md}\")"));
        Assert.Single(references.LineProblems("tests/data/README.md", $"notes in `../docs/algorithm{Md}`"));
    }

    private static FileReferences Sample()
    {
        string[] files =
        [
            $"docs/algorithm{Md}",
            $"docs/grader{Md}",
            "Gpu/Objectives/PolicyLoss.cs",
            "examples/paper-a.yaml",
            $"tests/data/README{Md}",
            "Client/Demo.cs",
        ];
        string[] algorithm = ["# The algorithm", "## 1. GRPO", "### 1.5 Loss (Eq. 2)", "## 2. Entropy"];
        return new FileReferences(files, path => path == $"docs/algorithm{Md}" ? algorithm : []);
    }
}
