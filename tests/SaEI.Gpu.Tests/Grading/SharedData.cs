namespace SaEI.Gpu.Tests.Grading;

/// <summary>
/// The grading reference sets (tests/data/grading, copies of the MathRuler reference sets kept in the repository so a
/// clean clone has them), found by walking up to SaEI.sln. (SaEI.Testing would pull Orleans into this project, so
/// Gpu.Tests keeps this one-liner of its own.)
/// </summary>
internal static class SharedData
{
    public static string Grading(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SaEI.sln")))
                return Path.Combine(dir.FullName, "tests", "data", "grading", file);
        throw new InvalidOperationException($"SaEI.sln not found above {AppContext.BaseDirectory}.");
    }
}
