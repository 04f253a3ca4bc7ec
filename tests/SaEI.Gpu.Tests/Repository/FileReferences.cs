using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SaEI.Gpu.Tests.Repository;

/// <summary>
/// Finds references to files in the repository's sources and documents that do not resolve inside the repository,
/// one problem per reference as "file:line: what and the fix". What counts as a reference:
/// 1. A Markdown name (<c>Name.md</c>, <c>dir/Name.md</c>): a path must exist relative to the root or to the
///    referring file's folder, a bare name somewhere in the repository; the demo's output names are allowed.
/// 2. A path whose first folder is a top-level folder of the repository (<c>Gpu/…</c>, <c>tests/…</c>): it must
///    exist as a file or folder, or name a member of a C# file (<c>Gpu/Tasks/Rewards/MathReward.Score</c>). Paths into
///    build outputs (bin, obj, node_modules) and patterns (followed by <c>*</c> or <c>{</c>) are not checked.
/// 3. A section of a document under docs (the Markdown name followed by <c>§n</c> or <c>§n.m</c>): the document must
///    have a heading numbered so.
/// 4. The specification folder beside the checkout, its documents by name, or an absolute path of this machine:
///    never, whatever follows.
/// Decisions: the whole line is scanned, strings included (an error message may cite a document too); the files
/// scanned are git's (tracked plus untracked, not ignored), or every file outside build outputs when git is missing.
/// </summary>
public sealed class FileReferences
{
    /// <summary>File names written by the demo (Client/Demo), not files of the repository.</summary>
    public static readonly IReadOnlySet<string> AllowedNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "leaderboard.md",
        "report.md",
    };

    private static readonly string[] ScannedExtensions =
    [
        ".cs",
        ".md",
        ".sh",
        ".yaml",
        ".yml",
        ".props",
        ".targets",
        ".csproj",
    ];

    private static readonly string[] BuildOutputs = ["bin", "obj", "node_modules", ".git"];

    /// <summary>The rule's own files: their cases name missing files on purpose.</summary>
    private static readonly string[] OwnFiles =
    [
        "tests/SaEI.Gpu.Tests/Repository/FileReferences.cs",
        "tests/SaEI.Gpu.Tests/Repository/CommentReferencesTests.cs",
    ];

    private static readonly Regex Markdown = new(
        @"(?<![\w./-])([\w.-]+(?:/[\w.-]+)*\.md)(?![\w-])",
        RegexOptions.Compiled
    );
    private static readonly Regex Section = new(@"^\s*§(\d+(?:\.\d+)*)", RegexOptions.Compiled);
    private static readonly Regex Outside = new(@"\.\./shared|/work/|(?<![\w./-])shared/", RegexOptions.Compiled);

    /// <summary>The specification documents beside the checkout, cited by name without ".md".</summary>
    private static readonly Regex Specification = new(
        @"\b(?:ALGORITHM|ARCHITECTURE|GRADER|QWEN25VL|TORCHSHARP|STYLE)\b(?!\.md)",
        RegexOptions.Compiled
    );
    private static readonly Regex MemberSuffix = new(@"\.[A-Za-z_]\w*$", RegexOptions.Compiled);

    private readonly HashSet<string> files;
    private readonly HashSet<string> folders = new(StringComparer.Ordinal);
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Regex repositoryPath;
    private readonly Func<string, IReadOnlyList<string>> readLines;
    private readonly Dictionary<string, HashSet<string>> sections = new(StringComparer.Ordinal);

    /// <param name="files">Every file of the repository, relative to its root, with '/' separators.</param>
    /// <param name="readLines">Reads a file of the repository by its relative path.</param>
    public FileReferences(IEnumerable<string> files, Func<string, IReadOnlyList<string>> readLines)
    {
        this.files = new HashSet<string>(files, StringComparer.Ordinal);
        this.readLines = readLines;
        var topFolders = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string file in this.files)
        {
            names.Add(file[(file.LastIndexOf('/') + 1)..]);
            for (int slash = file.IndexOf('/'); slash >= 0; slash = file.IndexOf('/', slash + 1))
                folders.Add(file[..slash]);
            int first = file.IndexOf('/');
            if (first > 0 && !file.StartsWith('.'))
                topFolders.Add(file[..first]);
        }
        string alternatives = string.Join('|', topFolders.Reverse().Select(Regex.Escape));
        repositoryPath = new Regex($@"(?<![\w./{{}}-])((?:{alternatives})/[\w./-]*)(.?)", RegexOptions.Compiled);
    }

    /// <summary>The files whose references are checked: sources, documents, scripts and build files.</summary>
    public IEnumerable<string> ScannedFiles() =>
        files.Where(f => !OwnFiles.Contains(f) && IsScanned(f)).Order(StringComparer.Ordinal);

    /// <summary>Every unresolved reference of one file, as "file:line: problem".</summary>
    public IEnumerable<string> Problems(string file)
    {
        var lines = readLines(file);
        for (int i = 0; i < lines.Count; i++)
            foreach (string problem in LineProblems(file, lines[i]))
                yield return $"{file}:{i + 1}: {problem}";
    }

    /// <summary>The problems of one line of <paramref name="file"/>.</summary>
    public IEnumerable<string> LineProblems(string file, string line)
    {
        foreach (Match outside in Outside.Matches(line))
            yield return $"'{outside.Value}' is outside the repository; cite the section of docs/ that holds it.";
        foreach (Match specification in Specification.Matches(line))
            yield return $"'{specification.Value}' names a specification outside the repository; cite the section "
                + "of docs/ that holds it.";
        foreach (Match match in Markdown.Matches(line))
        {
            string name = match.Groups[1].Value;
            if (AllowedNames.Contains(name))
                continue;
            string? resolved = ResolveMarkdown(file, name);
            if (resolved is null)
            {
                yield return $"'{name}' is not in the repository; cite a document under docs/ (or add the file).";
                continue;
            }
            var section = Section.Match(line[(match.Index + match.Length)..]);
            if (section.Success && !SectionsOf(resolved).Contains(section.Groups[1].Value))
                yield return $"'{name} §{section.Groups[1].Value}' has no such section; number it as a heading of "
                    + $"{resolved} (\"## {section.Groups[1].Value}. Title\") or cite an existing one.";
        }
        foreach (Match match in repositoryPath.Matches(line))
        {
            string path = match.Groups[1].Value.TrimEnd('.', '/', '-');
            string next = match.Groups[2].Value;
            if (next is "*" or "{" || path.Split('/').Any(BuildOutputs.Contains))
                continue;
            if (!ResolvesInRepository(path))
                yield return $"'{path}' is not a file or folder of the repository; correct the path.";
        }
    }

    /// <summary>Loads the checkout the tests run from (found by walking up to SaEI.sln).</summary>
    public static FileReferences OfCheckout()
    {
        string root = Root();
        var files = GitFiles(root) ?? WalkFiles(root);
        return new FileReferences(files, path => File.ReadAllLines(Path.Combine(root, path)));
    }

    /// <summary>Every C# file of the repository, relative to the root.</summary>
    public IEnumerable<string> CSharpFiles() => files.Where(f => f.EndsWith(".cs", StringComparison.Ordinal));

    /// <summary>Every document under docs, relative to the root.</summary>
    public IEnumerable<string> Documents() =>
        files.Where(f =>
            f.StartsWith("docs/", StringComparison.Ordinal) && f.EndsWith(".md", StringComparison.Ordinal)
        );

    /// <summary>The lines of a file of the repository.</summary>
    public IReadOnlyList<string> Lines(string file) => readLines(file);

    private bool IsScanned(string file)
    {
        string name = file[(file.LastIndexOf('/') + 1)..];
        if (ScannedExtensions.Any(e => name.EndsWith(e, StringComparison.Ordinal)))
            return true;
        if (name.Contains('.'))
            return false;
        var lines = readLines(file);
        return lines.Count > 0 && lines[0].StartsWith("#!", StringComparison.Ordinal);
    }

    private string? ResolveMarkdown(string file, string name)
    {
        int slash = file.LastIndexOf('/');
        string relative = Normalize((slash < 0 ? "" : file[..(slash + 1)]) + name);
        if (files.Contains(relative))
            return relative;
        if (name.Contains('/'))
            return files.Contains(name) ? name : null;
        if (!names.Contains(name))
            return null;
        return files
            .Where(f => f == name || f.EndsWith("/" + name, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .First();
    }

    private bool ResolvesInRepository(string path)
    {
        for (string candidate = path; ; candidate = MemberSuffix.Replace(candidate, ""))
        {
            if (files.Contains(candidate) || folders.Contains(candidate) || files.Contains(candidate + ".cs"))
                return true;
            if (!MemberSuffix.IsMatch(candidate))
                return false;
        }
    }

    private HashSet<string> SectionsOf(string document)
    {
        if (sections.TryGetValue(document, out var known))
            return known;
        var numbers = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in readLines(document))
        {
            var heading = Regex.Match(line, @"^#+\s+(\d+(?:\.\d+)*)\.?\s");
            if (heading.Success)
                numbers.Add(heading.Groups[1].Value);
        }
        sections[document] = numbers;
        return numbers;
    }

    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Split('/'))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
            }
            else if (part is not ("." or ""))
                parts.Add(part);
        }
        return string.Join('/', parts);
    }

    /// <summary>The checkout's root: the folder above the tests that holds SaEI.sln.</summary>
    internal static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SaEI.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"SaEI.sln not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>git's files (tracked, plus untracked ones not ignored) that exist, or null without git.</summary>
    private static List<string>? GitFiles(string root)
    {
        try
        {
            var start = new ProcessStartInfo(
                "git",
                ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
            )
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var git = Process.Start(start);
            if (git is null)
                return null;
            string output = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            if (git.ExitCode != 0)
                return null;
            return output
                .Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Where(f => File.Exists(Path.Combine(root, f)))
                .ToList();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static List<string> WalkFiles(string root) =>
        Directory
            .EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(part => BuildOutputs.Contains(part) || part == "out"))
            .ToList();
}
