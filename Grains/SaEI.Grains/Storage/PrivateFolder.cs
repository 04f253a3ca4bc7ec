namespace SaEI.Grains.Storage;

/// <summary>
/// Local folders that hold weights (the model cache, checkpoint staging): readable by this user only (0700).
/// Every folder this creates is private (CreateDirectory's mode applies to the last one only); existing parents
/// (~/.cache) are left as they are, the folder itself is narrowed.
/// </summary>
public static class PrivateFolder
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="folder"/> (and its missing parents) at 0700, or narrows an existing one;
    /// failing that, an <see cref="UnauthorizedAccessException"/> that names the folder and <paramref name="fix"/>.
    /// </summary>
    public static void Ensure(string folder, string what, string fix)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        try
        {
            var missing = new Stack<string>();
            for (string? at = folder; at is not null && !Directory.Exists(at); at = Path.GetDirectoryName(at))
                missing.Push(at);
            while (missing.TryPop(out string? create))
                Directory.CreateDirectory(create, Mode);
            if ((File.GetUnixFileMode(folder) & ~Mode) != 0)
                File.SetUnixFileMode(folder, Mode);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new UnauthorizedAccessException(
                $"{what} '{folder}' cannot be made private to this user ({e.Message}); {fix}.",
                e
            );
        }
    }
}
