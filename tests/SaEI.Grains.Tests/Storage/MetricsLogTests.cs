using SaEI.Grains.Storage;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Storage;

public sealed class MetricsLogTests
{
    [Fact]
    public async Task Steps_append_in_order_and_a_step_written_twice_appears_once()
    {
        var container = await Azurite.NewContainerAsync("metrics");
        try
        {
            var log = new MetricsLog(new ResilientBlobStore(container));
            Assert.True(
                await log.AppendAsync(
                    "e",
                    "r",
                    new MetricsRecord(1, new Dictionary<string, double> { ["reward/overall"] = 0.25 })
                )
            );
            Assert.True(
                await log.AppendAsync(
                    "e",
                    "r",
                    new MetricsRecord(
                        2,
                        new Dictionary<string, double> { ["reward/overall"] = 0.5, ["actor/entropy"] = double.NaN }
                    )
                )
            );
            // A resumed run replays step 2: skipped, the first record wins.
            Assert.False(
                await log.AppendAsync(
                    "e",
                    "r",
                    new MetricsRecord(2, new Dictionary<string, double> { ["reward/overall"] = 0.9 })
                )
            );

            var records = await log.ReadAsync("e", "r");
            Assert.Equal([1, 2], records.Select(r => r.Step));
            Assert.Equal(0.5, records[1].Values["reward/overall"]);
            Assert.True(double.IsNaN(records[1].Values["actor/entropy"]));
            string text = (
                await container.GetBlobClient(BlobPaths.Metrics("e", "r")).DownloadContentAsync()
            ).Value.Content.ToString();
            Assert.Equal(
                "{\"step\":1,\"reward/overall\":0.25}\n{\"step\":2,\"actor/entropy\":\"NaN\",\"reward/overall\":0.5}\n",
                text
            );
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Concurrent_appends_of_different_steps_all_land()
    {
        var container = await Azurite.NewContainerAsync("metrics");
        try
        {
            var log = new MetricsLog(new ResilientBlobStore(container)) { MaxConflictRetries = 20 };
            await Task.WhenAll(
                Enumerable
                    .Range(0, 6)
                    .Select(step =>
                        log.AppendAsync(
                            "e",
                            "r",
                            new MetricsRecord(step, new Dictionary<string, double> { ["x"] = step })
                        )
                    )
            );
            var records = await log.ReadAsync("e", "r");
            Assert.Equal(Enumerable.Range(0, 6), records.Select(r => r.Step).Order());
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public void A_malformed_line_is_reported_with_its_path_and_line_number()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            MetricsLog.Parse("{\"step\":1}\nnot json\n", "experiments/e/runs/r/metrics.jsonl")
        );
        Assert.Contains("experiments/e/runs/r/metrics.jsonl line 2", error.Message, StringComparison.Ordinal);
    }
}
