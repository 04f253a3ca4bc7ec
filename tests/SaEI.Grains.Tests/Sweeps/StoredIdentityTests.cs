using SaEI.Grains.Sweeps;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Sweeps;

/// <summary>
/// Runs already in storage are found by their ids and their experiment by its spec fingerprint: a refactoring of the
/// spec types (issue 15 typed the data sets) must not change either. The values were computed by the release before
/// that change; an edit of these example specs changes them on purpose (then update the values here).
/// </summary>
public sealed class StoredIdentityTests
{
    [Theory]
    [InlineData(
        "synthetic-demo.yaml",
        "41e6cf1de99ddb8c1090e1f3d692a4bd6ca093fd98e2e8edc58270b37cfcb4ec",
        "grpo-acc87c32-s1"
    )]
    [InlineData(
        "synthetic-demo-quick.yaml",
        "78ad98c31a3e19afc7335a09402cb7b9e2aedb7b1b0b8000df7b8c072e948eca",
        "grpo-58a55c90-s1"
    )]
    [InlineData(
        "paper-geometry3k.yaml",
        "f4df0a572af0402e55cd370a7db49e5f312719e7580862e3f18eb8658936ac04",
        "clip_cov-bd0291f3-s1"
    )]
    [InlineData(
        "paper-mm-eureka.yaml",
        "d2d4dfd24c32ca1c6bc6cc2e70dae914ef0575cd6e3382a59c0dccadbde27f1f",
        "clip_cov-11dd532f-s1"
    )]
    public async Task Fingerprints_and_run_ids_are_those_of_the_stored_runs(
        string file,
        string fingerprint,
        string firstRun
    )
    {
        var result = await SweepSpecParser.ParseFileAsync(Path.Combine(RepositoryPaths.Root, "examples", file));
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(fingerprint, SpecFingerprint.Compute(result.Spec!));
        Assert.Equal(firstRun, SweepExpansion.Expand(result.Spec!)[0].RunId);
    }
}
