using SaEI.Grains.Workers;

namespace SaEI.Grains.Tests.Workers;

public sealed class ShardPlanTests
{
    [Fact]
    public void Equal_layers_split_evenly_and_one_cpu_device_holds_one_shard()
    {
        var plan = ShardPlan.Balance([4, 4, 4, 4], ["cuda:0", "cuda:1"]);
        Assert.Equal([new("cuda:0", 0, 2, 8), new ShardPlan.Shard("cuda:1", 2, 4, 8)], plan);

        var cpu = Assert.Single(ShardPlan.Balance([4, 4, 4, 4], ["cpu"]));
        Assert.Equal(new ShardPlan.Shard("cpu", 0, 4, 16), cpu);
    }

    [Fact]
    public void Heavy_embedding_and_head_layers_get_their_own_devices()
    {
        // [10, 1, 1, 1, 1, 10] over 3 devices: the best largest shard is 10 — {10} {1,1,1,1} {10} (bytes 10, 4, 10).
        var plan = ShardPlan.Balance([10, 1, 1, 1, 1, 10], ["d0", "d1", "d2"]);
        Assert.Equal([10L, 4L, 10L], plan.Select(s => s.Bytes));
        Assert.Equal([(0, 1), (1, 5), (5, 6)], plan.Select(s => (s.Start, s.End)));
    }

    [Fact]
    public void More_devices_than_layers_leaves_no_shard_empty()
    {
        var plan = ShardPlan.Balance([5, 7], ["d0", "d1", "d2", "d3"]);
        Assert.Equal(2, plan.Count);
        Assert.All(plan, s => Assert.True(s.End > s.Start));
    }

    [Fact]
    public void The_plan_is_contiguous_covers_every_layer_and_its_largest_shard_matches_brute_force()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            int layers = random.Next(1, 9);
            int devices = random.Next(1, 5);
            long[] bytes = [.. Enumerable.Range(0, layers).Select(_ => (long)random.Next(0, 100))];
            var plan = ShardPlan.Balance(bytes, [.. Enumerable.Range(0, devices).Select(d => $"d{d}")]);
            Assert.Equal(0, plan[0].Start);
            Assert.Equal(layers, plan[^1].End);
            for (int i = 1; i < plan.Count; i++)
                Assert.Equal(plan[i - 1].End, plan[i].Start);
            Assert.Equal(bytes.Sum(), plan.Sum(s => s.Bytes));
            Assert.Equal(BruteForceBest(bytes, Math.Min(devices, layers)), plan.Max(s => s.Bytes));
        }
    }

    [Fact]
    public void No_device_is_an_error_naming_the_fix() =>
        Assert.Contains(
            "cpu",
            Assert.Throws<ArgumentException>(() => ShardPlan.Balance([1], [])).Message,
            StringComparison.Ordinal
        );

    /// <summary>Every way to cut L layers into k non-empty contiguous shards; the smallest largest shard.</summary>
    private static long BruteForceBest(long[] bytes, int shards)
    {
        long best = long.MaxValue;
        void Search(int start, int left, long worst)
        {
            if (left == 1)
            {
                best = Math.Min(best, Math.Max(worst, bytes[start..].Sum()));
                return;
            }
            for (int end = start + 1; end <= bytes.Length - left + 1; end++)
                Search(end, left - 1, Math.Max(worst, bytes[start..end].Sum()));
        }
        Search(0, shards, 0);
        return best;
    }
}
