namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// The folders data and model files may be read from (issue #11, item 6): a spec author must not make a silo read
/// its host's files. Decisions:
/// 1. A path is made canonical before it is checked: absolute, every symbolic link of an existing component resolved
///    and every ".." applied to the resolved folder (what the kernel does), so neither "../../etc" nor a link that
///    leaves a root gets through. Components that do not exist yet are kept as written.
/// 2. A path is inside a root when it is the root or lies below it (component-wise, not by string prefix:
///    /data2 is not inside /data).
/// 3. The roots come from configuration (<see cref="Setting"/>); the message names it and never shows file contents.
/// </summary>
public sealed class DataRoots
{
    /// <summary>The configuration key that lists the roots on a silo.</summary>
    public const string Setting = "Saei:Data:Roots";

    private const int MaxLinks = 40; // Linux's MAXSYMLINKS: deeper chains are loops

    public DataRoots(IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var list = new List<string>();
        foreach (string root in roots)
        {
            if (string.IsNullOrWhiteSpace(root) || !Path.IsPathRooted(root))
                throw new ArgumentException(
                    $"data root '{root}' is not an absolute folder; list absolute folders in {Setting}.",
                    nameof(roots)
                );
            list.Add(Canonical(root));
        }
        if (list.Count == 0)
            throw new ArgumentException($"no data roots; list at least one folder in {Setting}.", nameof(roots));
        Roots = list.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The canonical roots.</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>
    /// The absolute form of <paramref name="path"/> (relative to the working folder) with symbolic links resolved in
    /// every existing component and ".." applied after resolution. Throws <see cref="IOException"/> on a link loop.
    /// </summary>
    public static string Canonical(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\0', StringComparison.Ordinal))
            throw new ArgumentException("path contains a NUL character.", nameof(path));
        string absolute = Path.IsPathRooted(path) ? path : Path.Combine(Directory.GetCurrentDirectory(), path);
        string root = Path.GetPathRoot(absolute)!;
        var pending = new Stack<string>(Components(absolute[root.Length..]).Reverse());
        string current = root;
        int links = 0;
        while (pending.TryPop(out string? part))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            string next = Path.Combine(current, part);
            string? target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks)
                throw new IOException($"'{path}' has more than {MaxLinks} symbolic links in a chain (a loop).");
            foreach (string component in Components(target).Reverse())
                pending.Push(component);
            if (Path.IsPathRooted(target))
                current = Path.GetPathRoot(target)!;
        }
        return current;
    }

    /// <summary>True when the canonical form of <paramref name="path"/> lies in a root.</summary>
    public bool Contains(string path) => Check(path) is null;

    /// <summary>Null when <paramref name="path"/> lies in a root, else the reason (naming the roots and the
    /// setting).</summary>
    public string? Check(string path)
    {
        string canonical;
        try
        {
            canonical = Canonical(path);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return $"path '{path}' cannot be resolved ({e.Message}); give a path inside {Describe()}.";
        }
        if (Roots.Any(root => IsWithin(canonical, root)))
            return null;
        string resolved = canonical == path ? "" : $" (resolves to '{canonical}')";
        return $"path '{path}'{resolved} is outside the data roots {Describe()}; move the data under one of them, or "
            + $"add its folder to {Setting} on the silos.";
    }

    /// <summary>The canonical path when it lies in a root; otherwise a <see cref="DataFormatException"/> at <paramref
    /// name="location"/>.</summary>
    public string Confine(string path, DataLocation location) =>
        Check(path) is { } problem ? throw new DataFormatException(location, problem) : Canonical(path);

    private string Describe() => "[" + string.Join(", ", Roots) + "]";

    private static bool IsWithin(string path, string root)
    {
        if (path == root)
            return true;
        string prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }

    private static string[] Components(string path) =>
        path.Split(
            [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar],
            StringSplitOptions.RemoveEmptyEntries
        );
}
