using SaEI.Gpu.Tasks.Synthetic;
using static TorchSharp.torch;

namespace SaEI.Gpu.Training;

/// <summary>
/// Every random stream of one RL run, each an explicit CPU <see cref="Generator"/> seeded from the run seed and a
/// fixed stream number (never ambient state): sampling (rollouts), noise (NoisyRollout / random-noise images) and
/// Clip-Cov's token draw. The data order is <see cref="PromptCursor"/>'s. States round-trip as bytes
/// (<c>get_state</c>/<c>set_state</c>), which is what makes a resumed run continue exactly.
/// </summary>
public sealed class RlGenerators : IDisposable
{
    /// <summary>Stream numbers mixed with the run seed (fixed: changing one changes every run).</summary>
    private const ulong SamplingStream = 1,
        NoiseStream = 2,
        ClipCovStream = 3,
        DataStream = 4;

    public RlGenerators(ulong seed)
    {
        Seed = seed;
        Sampling = new Generator(SplitMix64.Derive(seed, SamplingStream), CPU);
        Noise = new Generator(SplitMix64.Derive(seed, NoiseStream), CPU);
        ClipCov = new Generator(SplitMix64.Derive(seed, ClipCovStream), CPU);
    }

    /// <summary>The run seed everything derives from.</summary>
    public ulong Seed { get; }

    /// <summary>Rollout sampling (clean and perturbed rounds alike).</summary>
    public Generator Sampling { get; }

    /// <summary>Diffusion noise ε of the noise-perturbing methods.</summary>
    public Generator Noise { get; }

    /// <summary>Clip-Cov's random choice of tokens.</summary>
    public Generator ClipCov { get; }

    /// <summary>The seed of the data order (<see cref="PromptCursor"/>).</summary>
    public ulong DataSeed => SplitMix64.Derive(Seed, DataStream);

    /// <summary>Every generator's state, by name.</summary>
    public IReadOnlyDictionary<string, byte[]> ExportStates() =>
        new Dictionary<string, byte[]>
        {
            ["sampling"] = StateOf(Sampling),
            ["noise"] = StateOf(Noise),
            ["clip_cov"] = StateOf(ClipCov),
        };

    /// <summary>Restores what <see cref="ExportStates"/> produced; a missing state is named in the error.</summary>
    public void ImportStates(IReadOnlyDictionary<string, byte[]> states)
    {
        Restore(states, "sampling", Sampling);
        Restore(states, "noise", Noise);
        Restore(states, "clip_cov", ClipCov);
    }

    private static byte[] StateOf(Generator generator)
    {
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }

    private static void Restore(IReadOnlyDictionary<string, byte[]> states, string name, Generator generator)
    {
        if (!states.TryGetValue(name, out var bytes))
            throw new InvalidDataException(
                $"training state lacks the '{name}' generator state; the checkpoint is incomplete."
            );
        using var state = tensor(bytes, dtype: ScalarType.Byte);
        generator.set_state(state);
    }

    public void Dispose()
    {
        Sampling.Dispose();
        Noise.Dispose();
        ClipCov.Dispose();
    }
}
