using SaEI.Gpu.Tasks.Data;
using SaEI.Grains.Sweeps;
using SaEI.Grains.Training;

namespace SaEI.Grains.Tests.Training;

/// <summary>Spec paths are confined to the data roots when a sweep is validated for launch (issue #11, item
/// 6).</summary>
public sealed class SpecPathTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("saei-roots-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static SweepSpec Spec(string train, string test, string? modelPath = null) =>
        SweepSpecParser.ParseOrThrow(
            $$"""
            experiment: paths
            model: {{(
                modelPath is null
                    ? "{ family: tiny-vlm, base: models/tiny }"
                    : $"{{ family: qwen2.5-vl, path: '{modelPath}' }}"
            )}}
            data:
              train: { format: geometry3k, path: '{{train}}' }
              test:  { format: mathvista, path: '{{test}}' }
            seeds: [1]
            steps: 2
            methods: { grpo: {} }
            eval: { every: 1 }
            checkpoint: { every: 1 }
            """
        );

    [Fact]
    public void Paths_inside_the_roots_pass()
    {
        Assert.Empty(
            SweepSpecParser.CheckPaths(
                Spec($"{root}/g3k/train", $"{root}/MathVista/testmini.parquet"),
                new DataRoots([root])
            )
        );
    }

    [Fact]
    public void Dot_dot_links_and_foreign_folders_are_refused_with_the_key_and_the_setting()
    {
        Directory.CreateSymbolicLink(Path.Combine(root, "etc"), "/etc");
        // a folder beside the root
        string foreign = Path.Combine(Path.GetTempPath(), $"not-a-root-{Guid.NewGuid():N}", "model");
        var errors = SweepSpecParser.CheckPaths(
            Spec($"{root}/../../../../../etc/shadow", $"{root}/etc/passwd", foreign),
            new DataRoots([root])
        );
        Assert.Equal(["model.path", "data.train.path", "data.test.path"], errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.Contains("outside the data roots", e.Message, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.Contains(DataRoots.Setting, e.Message, StringComparison.Ordinal));
        Assert.Contains("resolves to '/etc/passwd'", errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_root_is_the_data_folder_and_roots_are_configurable()
    {
        Assert.Equal(["/data"], new DataOptions().EffectiveRoots().Roots);
        Assert.Equal(
            [root],
            new DataOptions { Roots = [root] }
                .EffectiveRoots()
                .Roots
        );
        var error = Assert.Throws<ArgumentException>(() => new DataOptions { Roots = ["data"] }.Validate());
        Assert.Contains("Saei:Data", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new DataOptions { MaxLineBytes = 0 }.Validate());
    }
}
