using System.Diagnostics;
using System.Globalization;

namespace SaEI.Grains.Storage;

/// <summary>
/// Local folders that hold a checkpoint in transit: the trainer writes its files into one and the store uploads them
/// from it; a load downloads into one and the trainer reads from it. No checkpoint file is ever held in memory whole.
/// Decisions:
/// 1. The root is per user and private (mode 0700): <c>$XDG_CACHE_HOME/saei/staging</c>, else
///    <c>~/.cache/saei/staging</c>, beside the model cache (<c>Saei:Checkpoints:StagingDirectory</c> moves it). Model
///    weights never sit in a shared, world-readable temp folder.
/// 2. A folder is named <c>{pid}-{label}-{random}</c>. The first folder created by a process removes the folders of
///    processes that are no longer running (a worker killed mid-upload leaves its files behind); a folder of a live
///    process, this one included, is never touched.
/// 3. Disposing a <see cref="StagingFolder"/> deletes it; a failed delete is left to the next start's sweep.
/// </summary>
public sealed class CheckpointStaging
{
    private readonly Lazy<int> sweep;

    /// <summary>Staging under <paramref name="root"/>, or under <see cref="DefaultRoot"/> when null or blank.</summary>
    public CheckpointStaging(string? root = null)
    {
        Root = string.IsNullOrWhiteSpace(root) ? DefaultRoot() : Path.GetFullPath(root);
        sweep = new Lazy<int>(RemoveLeftovers, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The folder that holds every staging folder.</summary>
    public string Root { get; }

    /// <summary>$XDG_CACHE_HOME/saei/staging, else ~/.cache/saei/staging, else a per-user folder in the temp
    /// folder.</summary>
    public static string DefaultRoot()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
            return Path.Combine(xdg, "saei", "staging");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 0
            ? Path.Combine(home, ".cache", "saei", "staging")
            : Path.Combine(Path.GetTempPath(), $"saei-{Environment.UserName}", "staging");
    }

    /// <summary>A new, empty, private folder; <paramref name="label"/> (an id-safe word) helps a reader of the
    /// disk.</summary>
    public StagingFolder Create(string label)
    {
        Ids.Require(label, "staging label");
        _ = sweep.Value;
        EnsurePrivateFolder(Root);
        string name = string.Create(
            CultureInfo.InvariantCulture,
            $"{Environment.ProcessId}-{label}-{Guid.NewGuid():N}"
        );
        string path = Path.Combine(Root, name[..Math.Min(name.Length, 120)]);
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, PrivateFolder.Mode);
        return new StagingFolder(path);
    }

    /// <summary>Deletes the staging folders of processes that are no longer running; returns how many.</summary>
    public int RemoveLeftovers()
    {
        if (!Directory.Exists(Root))
            return 0;
        int removed = 0;
        foreach (string folder in Directory.EnumerateDirectories(Root))
        {
            string name = Path.GetFileName(folder);
            int dash = name.IndexOf('-', StringComparison.Ordinal);
            if (
                dash <= 0
                || !int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            )
                continue;
            if (pid == Environment.ProcessId || IsRunning(pid))
                continue;
            if (StagingFolder.TryDelete(folder))
                removed++;
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void EnsurePrivateFolder(string folder) =>
        PrivateFolder.Ensure(
            folder,
            "checkpoint staging folder",
            "set Saei:Checkpoints:StagingDirectory to a folder this user owns"
        );
}

/// <summary>One checkpoint's local folder (<see cref="CheckpointStaging.Create"/>); disposing deletes it.</summary>
public sealed class StagingFolder : IDisposable
{
    internal StagingFolder(string path) => Path = path;

    /// <summary>The folder's absolute path.</summary>
    public string Path { get; }

    /// <summary>The path of the file <paramref name="name"/> in this folder (the name is checked as a checkpoint
    /// file id).</summary>
    public string PathOf(string name) => System.IO.Path.Combine(Path, Ids.Require(name, "checkpoint file"));

    /// <summary>The names of the files in the folder, in ordinal order.</summary>
    public IReadOnlyList<string> FileNames() =>
        Directory
            .EnumerateFiles(Path)
            .Select(f => System.IO.Path.GetFileName(f))
            .Order(StringComparer.Ordinal)
            .ToList();

    public void Dispose() => TryDelete(Path);

    internal static bool TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (IOException)
        {
            return false; // the next process start sweeps it (decision 3 of CheckpointStaging)
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
