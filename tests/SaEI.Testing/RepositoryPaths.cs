namespace SaEI.Testing;

/// <summary>Paths of the checkout the tests run from, found by walking up to SaEI.sln.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootLazy = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SaEI.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"SaEI.sln not found above {AppContext.BaseDirectory}.");
    });

    public static string Root => RootLazy.Value;
}
