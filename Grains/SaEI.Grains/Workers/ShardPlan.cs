namespace SaEI.Grains.Workers;

/// <summary>
/// Assigns a model's layers (in forward order) to a node's devices as contiguous shards, minimising the largest
/// shard's parameter bytes (the linear-partition problem, solved exactly by dynamic programming in O(L²·D)).
///
/// Decisions:
/// 1. Shards are contiguous so activations cross a device boundary only D−1 times per forward.
/// 2. With one device (e.g. "cpu") the plan is one shard holding every layer.
/// 3. With more devices than layers, the extra devices get no layer (a shard is never empty otherwise).
/// 4. Ties go to the earliest split, so the plan is deterministic.
/// </summary>
public static class ShardPlan
{
    /// <summary>One shard: a device and the half-open layer range [Start, End) with its bytes.</summary>
    public sealed record Shard(string Device, int Start, int End, long Bytes);

    public static IReadOnlyList<Shard> Balance(IReadOnlyList<long> layerBytes, IReadOnlyList<string> devices)
    {
        if (devices.Count == 0)
            throw new ArgumentException("a shard plan needs at least one device (e.g. \"cpu\").", nameof(devices));
        if (layerBytes.Any(b => b < 0))
            throw new ArgumentException("layer sizes must be non-negative bytes.", nameof(layerBytes));
        int layers = layerBytes.Count;
        int shards = Math.Max(1, Math.Min(devices.Count, layers));
        long[] prefix = new long[layers + 1];
        for (int i = 0; i < layers; i++)
            prefix[i + 1] = prefix[i] + layerBytes[i];
        int[] cuts = layers == 0 ? [0] : Cuts(prefix, layers, shards);
        var plan = new List<Shard>(shards);
        int start = 0;
        for (int s = 0; s < shards; s++)
        {
            int end = s == shards - 1 ? layers : cuts[s];
            plan.Add(new Shard(devices[s], start, end, prefix[end] - prefix[start]));
            start = end;
        }
        return plan;
    }

    /// <summary>End index of each shard but the last, from best[k, i] = min over j of max(best[k−1, j],
    /// bytes(j..i)).</summary>
    private static int[] Cuts(long[] prefix, int layers, int shards)
    {
        var best = new long[shards + 1, layers + 1];
        var split = new int[shards + 1, layers + 1];
        for (int i = 0; i <= layers; i++)
            best[1, i] = prefix[i];
        for (int k = 2; k <= shards; k++)
        {
            for (int i = k; i <= layers; i++)
            {
                best[k, i] = long.MaxValue;
                for (int j = k - 1; j < i; j++)
                {
                    long cost = Math.Max(best[k - 1, j], prefix[i] - prefix[j]);
                    if (cost < best[k, i])
                    {
                        best[k, i] = cost;
                        split[k, i] = j;
                    }
                }
            }
        }
        var cuts = new int[shards];
        int at = layers;
        for (int k = shards; k >= 2; k--)
        {
            at = split[k, at];
            cuts[k - 2] = at;
        }
        cuts[shards - 1] = layers;
        return cuts;
    }
}
