using System.Text.Json.Serialization;
using Orleans.TestingHost;
using Parquet.Serialization;
using SaEI.Gpu.Tasks.Images;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Training;

/// <summary>
/// Issue #11, item 4, on a real one-silo cluster with the torch executor: a run whose training data holds a corrupt
/// PNG, or whose parquet file is truncated, ends Failed as a configuration/data failure with no restart, its message
/// naming the file, the row and the field; a spec whose data lies outside the silo's data roots is refused at launch.
/// (Before the fix such runs were classed as infrastructure failures and retried up to max_failures times.)
/// </summary>
public sealed class DataFailureTests : IAsyncLifetime
{
    private static readonly string Root = Directory.CreateTempSubdirectory("saei-run-data-").FullName;
    private static string DataFolder => TorchTestCluster.DataFolder(Root);

    private string model = null!;
    private TestCluster cluster = null!;

    public async Task InitializeAsync() =>
        (cluster, model) = await TorchTestCluster.StartAsync(Root, imageSize: 16, patchSize: 8);

    public async Task DisposeAsync()
    {
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    private string Spec(string experiment, string trainPath) =>
        $$"""
            experiment: {{experiment}}
            model: { family: tiny-vlm, base: models/{{model}} }
            data:
              train: { name: bad-train, format: geometry3k, path: '{{trainPath}}' }
              test:  { name: synth-test, format: synthetic, task: counting, split: test, size: 4, seed: 1 }
            seeds: [1]
            steps: 3
            rollout: { prompts_per_step: 2, mini_batch_prompts: 2, group_size: 2, max_new_tokens: 4 }
            methods: { grpo: {} }
            eval: { every: 1 }
            checkpoint: { every: 1 }
            max_failures: 3
            """;

    private static async Task<string> WriteParquetAsync(string name, params byte[][] images)
    {
        string path = Path.Combine(DataFolder, name);
        await ParquetSerializer.SerializeAsync(
            images.Select(
                (image, i) =>
                    new Row
                    {
                        Images = [new Cell { Bytes = image }],
                        Problem = $"<image>Case {i}.",
                        Answer = "1",
                    }
            ),
            path
        );
        return path;
    }

    private static byte[] Png(int seed) =>
        PngExport.Encode(new RgbImage(16, 16, [.. Enumerable.Range(0, 16 * 16 * 3).Select(i => (byte)(i * seed))]));

    private async Task<RunStatus> FailedRunAsync(string trainPath)
    {
        string experiment = $"d-{Guid.NewGuid():N}"[..14];
        var grain = cluster.GrainFactory.GetGrain<IExperimentGrain>(experiment);
        var launched = await grain.LaunchAsync(Spec(experiment, trainPath), new Dictionary<string, string>());
        Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message);
        var run = cluster.GrainFactory.GetGrain<IRunGrain>(Assert.Single(launched.RunIds));
        RunStatus status = null!;
        await Eventually.HoldsAsync(
            async () => (status = await run.GetStatusAsync()).State.IsTerminal(),
            TimeSpan.FromSeconds(90),
            "the run with bad data ended"
        );
        return status;
    }

    private static void AssertNotRetried(RunStatus status)
    {
        string explain = $"restarts {status.Restarts}; failures: {string.Join(" | ", status.Failures)}";
        Assert.True(status.State == RunState.Failed, explain);
        Assert.True(status.Restarts == 0, explain);
        Assert.Equal(FailureKind.Configuration, Assert.Single(status.Failures).Kind);
        Assert.Equal(0, status.CheckpointStep); // nothing committed
        Assert.Empty(status.CommittedSteps);
    }

    [Fact]
    public async Task A_corrupt_png_and_a_truncated_parquet_fail_the_run_as_data_errors_without_restarts()
    {
        byte[] corrupt = Png(3);
        for (int i = 40; i < corrupt.Length - 20; i += 7)
            corrupt[i] ^= 0x5A;
        string withCorruptImage = await WriteParquetAsync("corrupt.parquet", Png(1), corrupt);
        string whole = await WriteParquetAsync("whole.parquet", Png(1), Png(2), Png(4));
        string truncated = Path.Combine(DataFolder, "truncated.parquet");
        byte[] bytes = await File.ReadAllBytesAsync(whole);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length * 7 / 10)]);

        var image = await FailedRunAsync(withCorruptImage);
        AssertNotRetried(image);
        string message = image.Failures[0].Message;
        Assert.Contains(
            $"loading data.train failed: file '{withCorruptImage}', row 1, field 'images[0].bytes'",
            message,
            StringComparison.Ordinal
        );
        Assert.Contains("corrupt, truncated or unsupported image", message, StringComparison.Ordinal);

        var table = await FailedRunAsync(truncated);
        AssertNotRetried(table);
        Assert.Contains($"file '{truncated}'", table.Failures[0].Message, StringComparison.Ordinal);
        Assert.Contains("corrupt or truncated file", table.Failures[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spec_reading_outside_the_data_roots_is_refused_at_launch()
    {
        string experiment = $"d-{Guid.NewGuid():N}"[..14];
        var launched = await cluster
            .GrainFactory.GetGrain<IExperimentGrain>(experiment)
            .LaunchAsync(
                Spec(experiment, $"{DataFolder}/../../../../../../etc/shadow"),
                new Dictionary<string, string>()
            );
        Assert.Equal(LaunchOutcome.Refused, launched.Outcome);
        Assert.Contains("data.train.path: path", launched.Message, StringComparison.Ordinal);
        Assert.Contains("outside the data roots", launched.Message, StringComparison.Ordinal);
        Assert.Empty(launched.RunIds);
    }

    private sealed class Cell
    {
        [JsonPropertyName("bytes")]
        public byte[]? Bytes { get; set; }
    }

    private sealed class Row
    {
        [JsonPropertyName("images")]
        public List<Cell>? Images { get; set; }

        [JsonPropertyName("problem")]
        public string? Problem { get; set; }

        [JsonPropertyName("answer")]
        public string? Answer { get; set; }
    }
}
