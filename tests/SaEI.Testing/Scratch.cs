namespace SaEI.Testing;

/// <summary>
/// The scratch files of one test process (specs, demo output folders, silo logs), all in one folder under the temp
/// directory that is removed when the process exits, so repeated test runs leave nothing behind. Failure messages
/// carry what they need (e.g. a silo log's tail); set SAEI_KEEP_TEST_FILES=1 to keep the folder for a closer look.
/// </summary>
public static class Scratch
{
    public const string KeepVariable = "SAEI_KEEP_TEST_FILES";

    private static readonly Lazy<string> Root = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>This process's scratch folder (created on first use).</summary>
    public static string Folder => Root.Value;

    /// <summary>A path for a new file in the scratch folder: <paramref name="prefix"/>-{guid}<paramref
    /// name="extension"/>.</summary>
    public static string NewFile(string prefix, string extension) =>
        Path.Combine(Folder, $"{prefix}-{Guid.NewGuid():N}{extension}");

    /// <summary>A new, empty folder in the scratch folder.</summary>
    public static string NewFolder(string prefix) =>
        Directory.CreateDirectory(Path.Combine(Folder, $"{prefix}-{Guid.NewGuid():N}")).FullName;

    private static string Create()
    {
        string folder = Path.Combine(
            Path.GetTempPath(),
            "saei-tests",
            $"run-{Environment.ProcessId}-{Guid.NewGuid():N}"[..20]
        );
        Directory.CreateDirectory(folder);
        if (Environment.GetEnvironmentVariable(KeepVariable) != "1")
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Remove(folder);
        return folder;
    }

    private static void Remove(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file still held open at exit (a silo log of a killed child): the next run's temp cleanup is the OS's.
        }
    }
}
