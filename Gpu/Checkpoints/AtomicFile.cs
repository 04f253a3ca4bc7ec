namespace SaEI.Gpu.Checkpoints;

/// <summary>
/// Writes a file under a temporary name in the same folder, flushes it to disk, then renames it over the final name,
/// so a crash or an exception never leaves a half-written file under the final name. On failure the temporary
/// file is deleted.
/// </summary>
internal static class AtomicFile
{
    public static string TemporaryPath(string path) => path + ".partial";

    public static void Write(string path, Action<FileStream> write)
    {
        string temporary = TemporaryPath(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original exception matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}
