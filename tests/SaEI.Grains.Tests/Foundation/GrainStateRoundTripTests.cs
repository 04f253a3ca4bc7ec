using SaEI.Grains.Leaderboards;

namespace SaEI.Grains.Tests.Foundation;

/// <summary>
/// Grain state with the shapes the orchestration stores (records holding read-only dictionaries, lists built by
/// collection expressions) must read back after deactivation from Azure blob storage: a regression test for state
/// that was written but could never be read again (type names of compiler-generated collections, reference ids on
/// read-only dictionaries).
/// </summary>
public sealed class GrainStateRoundTripTests
{
    [Fact]
    public async Task Leaderboard_state_reads_back_after_deactivation()
    {
        await using var cluster = await StorageCluster.StartAsync();
        {
            var board = cluster.GrainFactory.GetGrain<ILeaderboardGrain>($"roundtrip-{Guid.NewGuid():N}");
            IReadOnlyDictionary<string, double> scores = new Dictionary<string, double>
            {
                ["in-domain"] = 0.5,
                ["ood"] = 0.25,
            };
            foreach (int seed in new[] { 1, 2 })
                await board.RecordAsync(new RunScores($"grpo-x-s{seed}", "grpo", "default", seed, scores));
            var before = await board.QueryAsync(null);

            // Deactivate every idle grain of this isolated cluster: the next call reads the state from storage.
            await cluster.Cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
            var after = await board.QueryAsync(null);

            Assert.Equal(2, after.Count);
            Assert.Equal(
                before.OrderBy(r => r.Benchmark).Select(r => (r.Benchmark, r.Mean, r.Seeds)),
                after.OrderBy(r => r.Benchmark).Select(r => (r.Benchmark, r.Mean, r.Seeds))
            );
            Assert.All(after, row => Assert.Equal(2, row.Seeds));
        }
    }
}
