using SaEI.Gpu.Tasks.Synthetic;

namespace SaEI.Gpu.Training;

/// <summary>
/// The data cursor: which training problems each RL step takes. Epoch e visits every problem once, in a
/// permutation fixed by (seed, e); a step that runs past the end of an epoch continues into the next one.
/// Decisions:
/// 1. The permutation is a Fisher-Yates shuffle driven by SplitMix64 (fixed by its definition, unlike
///    System.Random), seeded by (run seed, epoch): the order is a pure function of the seed, so the cursor's whole
///    state is (<see cref="Epoch"/>, <see cref="Position"/>) and a resumed run draws exactly the same prompts.
/// 2. Every epoch is reshuffled (EasyR1's dataloader shuffles each epoch).
/// </summary>
public sealed class PromptCursor
{
    private readonly int count;
    private readonly ulong seed;
    private int[] order;

    public PromptCursor(int problemCount, ulong seed, int epoch = 0, int position = 0)
    {
        if (problemCount < 1)
            throw new ArgumentOutOfRangeException(
                nameof(problemCount),
                problemCount,
                "the training set is empty; pass at least one problem."
            );
        if (epoch < 0 || position < 0 || position >= problemCount)
            throw new ArgumentOutOfRangeException(
                nameof(position),
                $"cursor (epoch {epoch}, position {position}) is outside a set of {problemCount} problems; was the "
                    + $"checkpoint made with other training data?"
            );
        count = problemCount;
        this.seed = seed;
        Epoch = epoch;
        Position = position;
        order = Permutation(count, seed, epoch);
    }

    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }

    /// <summary>Next index into this epoch's order.</summary>
    public int Position { get; private set; }

    /// <summary>The next <paramref name="take"/> problem indices, advancing the cursor.</summary>
    public int[] Next(int take)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(take, 1);
        var indices = new int[take];
        for (int i = 0; i < take; i++)
        {
            indices[i] = order[Position++];
            if (Position == count)
            {
                Epoch++;
                Position = 0;
                order = Permutation(count, seed, Epoch);
            }
        }
        return indices;
    }

    /// <summary>Epoch <paramref name="epoch"/>'s order of the indices 0..count−1.</summary>
    public static int[] Permutation(int count, ulong seed, int epoch)
    {
        var random = new SplitMix64(SplitMix64.Derive(seed, (ulong)epoch));
        var order = Enumerable.Range(0, count).ToArray();
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.Next(0, i);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
