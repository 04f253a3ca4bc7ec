using TorchSharp;

namespace SaEI.Gpu.Runtime;

/// <summary>
/// One place that initialises TorchSharp for a process: thread count (results on CPU are reproducible only at a
/// fixed thread count) and the device to use. Code below takes a <see cref="torch.Device"/>; nothing hard-codes cuda.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static int configuredThreads;
    private static bool allocatorChecked;

    /// <summary>
    /// Sets the intra-op thread count once per value; later calls with the same value are free. The first call also
    /// tunes glibc's malloc for tensor buffers (<see cref="GlibcAllocator"/>).
    /// </summary>
    public static void Initialize(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        lock (Gate)
        {
            if (!allocatorChecked) AllocatorTuned = GlibcAllocator.Tune();
            allocatorChecked = true;
            if (configuredThreads == threads) return;
            torch.set_num_threads(threads);
            configuredThreads = threads;
        }
    }

    /// <summary>Whether glibc's malloc was tuned for LibTorch's CPU buffers (<see cref="GlibcAllocator"/>).</summary>
    public static bool AllocatorTuned { get; private set; }

    /// <summary>"cpu", "cuda", "cuda:1"...; "auto" picks cuda when available, else cpu.</summary>
    public static torch.Device ResolveDevice(string name)
    {
        if (string.Equals(name, "auto", StringComparison.OrdinalIgnoreCase))
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        return torch.device(name);
    }

    /// <summary>A one-line description for logs: TorchSharp version, threads, CUDA availability.</summary>
    public static string Describe() =>
        $"TorchSharp {typeof(torch).Assembly.GetName().Version}, threads={torch.get_num_threads()}, cuda={torch.cuda.is_available()}, glibc malloc tuned={AllocatorTuned}";
}
