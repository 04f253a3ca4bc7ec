using System.Collections.Frozen;

namespace SaEI.Dashboard;

/// <summary>
/// The pages, script and style embedded in this assembly (Dashboard/wwwroot): read once, served from memory. No
/// page holds inline script or style, so the Content-Security-Policy can forbid both.
/// </summary>
internal static class DashboardAssets
{
    private static readonly FrozenDictionary<string, byte[]> Files = Load();

    /// <summary>The file's bytes and content type, or null (only the embedded names exist: no path reaches the disk).
    /// </summary>
    public static (byte[] Content, string ContentType)? Find(string name) =>
        Files.TryGetValue(name, out byte[]? content) ? (content, ContentType(name)) : null;

    private static string ContentType(string name) =>
        Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "application/octet-stream",
        };

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        const string Prefix = "wwwroot/";
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal));
        foreach (string resource in names)
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[Prefix.Length..]] = copy.ToArray();
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
