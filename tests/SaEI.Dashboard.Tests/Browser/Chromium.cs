namespace SaEI.Dashboard.Tests.Browser;

/// <summary>
/// The system Chromium the browser tests drive, found as infra/chromium.sh finds it: SAEI_CHROMIUM when set, else
/// `chromium` (or `chromium-browser`) on PATH. Playwright's own browser download is not used: it needs a host this
/// project's machines cannot reach, and Debian's package is maintained and patched.
/// </summary>
public static class Chromium
{
    public const string PathVariable = "SAEI_CHROMIUM";
    public const string InstallCommand = "sudo apt-get install -y chromium";

    /// <summary>The executable, or null when there is none.</summary>
    public static string? Executable { get; } = Find();

    /// <summary>Why the browser tests skip (null when a browser was found): names the command that fixes it.</summary>
    public static string? SkipReason { get; } =
        Executable is not null ? null
        : Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } named
            ? $"{PathVariable}={named} is not a file; point it at a Chromium executable or unset it."
        : $"No Chromium on PATH: `./saei test` installs it where it can (root or passwordless sudo); "
            + $"else install it with `{InstallCommand}` or set {PathVariable} to a Chromium executable.";

    private static string? Find()
    {
        string? named = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(named))
            return File.Exists(named) ? named : null;
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(
            ':',
            StringSplitOptions.RemoveEmptyEntries
        );
        return folders
            .SelectMany(folder => new[] { "chromium", "chromium-browser" }.Select(name => Path.Combine(folder, name)))
            .FirstOrDefault(File.Exists);
    }
}
