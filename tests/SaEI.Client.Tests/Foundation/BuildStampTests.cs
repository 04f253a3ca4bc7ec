using SaEI.Testing;
using Xunit.Abstractions;

namespace SaEI.Client.Tests.Foundation;

/// <summary>
/// `./saei` builds only when a source changed since its last build (the build stamp): the second read verb in a row
/// runs the built client at once, without `dotnet build`.
/// </summary>
public sealed class BuildStampTests(ITestOutputHelper log)
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_read_verb_with_nothing_changed_since_the_last_build_does_not_build()
    {
        string stamp = Path.Combine(RepositoryPaths.Root, "Client", "bin", "Release", ".build-stamp");
        // The first call builds when this checkout was not built by ./saei (or changed since); then the stamp is
        // current.
        var first = await SaeiProcess.RunScriptAsync(
            ["leaderboard", "--help"],
            TestTimeouts.Scaled(TimeSpan.FromMinutes(15))
        );
        Assert.True(first.ExitCode == 0, $"./saei leaderboard --help: exit {first.ExitCode}\n{first.Error}");
        Assert.True(File.Exists(stamp), $"no build stamp at {stamp} after ./saei ran");
        string written = await File.ReadAllTextAsync(stamp);
        var writtenAt = File.GetLastWriteTimeUtc(stamp);

        var second = await SaeiProcess.RunScriptAsync(
            ["leaderboard", "--help"],
            TestTimeouts.Scaled(TimeSpan.FromMinutes(2))
        );

        Assert.True(second.ExitCode == 0, $"./saei leaderboard --help: exit {second.ExitCode}\n{second.Error}");
        Assert.DoesNotContain("building", second.Error, StringComparison.Ordinal);
        Assert.Equal(written, await File.ReadAllTextAsync(stamp));
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(stamp));
        Assert.Contains("leaderboard <exp>", second.Output, StringComparison.Ordinal);
        log.WriteLine(
            $"./saei leaderboard --help with the stamp current: {second.Elapsed.TotalSeconds:0.00} s "
                + $"(first call: {first.Elapsed.TotalSeconds:0.0} s)"
        );
    }
}
