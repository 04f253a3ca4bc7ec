namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator whose sequence is fixed by its definition, unlike
/// System.Random, so synthetic problems are identical on every runtime and machine.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong state = seed;

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [min, maxInclusive] (modulo bias is negligible for these small ranges).</summary>
    public int Next(int min, int maxInclusive)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(min, maxInclusive);
        return min + (int)(NextUInt64() % (ulong)(maxInclusive - min + 1));
    }

    /// <summary>One element of a list.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[Next(0, items.Count - 1)];

    /// <summary>Combines a seed and an index into an independent stream seed.</summary>
    public static ulong Derive(ulong seed, ulong index)
    {
        var mixer = new SplitMix64(seed ^ (index * 0xD1B54A32D192ED03UL));
        mixer.NextUInt64();
        return mixer.NextUInt64();
    }
}
