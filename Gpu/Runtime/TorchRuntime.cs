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

    /// <summary>
    /// Sets the intra-op thread count once per value; later calls with the same value are free. The first call also
    /// tunes glibc's malloc for tensor buffers (<see cref="GlibcAllocator"/>).
    /// </summary>
    public static void Initialize(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        lock (Gate)
        {
            if (configuredThreads == threads)
                return;
            if (configuredThreads == 0)
                AllocatorTuned = GlibcAllocator.Tune();
            torch.set_num_threads(threads);
            configuredThreads = threads;
        }
    }

    /// <summary>Whether glibc's malloc was tuned for LibTorch's CPU buffers (<see cref="GlibcAllocator"/>).</summary>
    public static bool AllocatorTuned { get; private set; }

    /// <summary>
    /// "cpu", "cuda", "cuda:1"...; "auto" picks cuda when available, else cpu. A CUDA device this process cannot see
    /// is an error naming it and the devices there are (instead of a failure at the first tensor moved there).
    /// </summary>
    public static torch.Device ResolveDevice(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (string.Equals(name, "auto", StringComparison.OrdinalIgnoreCase))
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (name.StartsWith("cuda", StringComparison.OrdinalIgnoreCase))
        {
            string[] parts = name.Split(':');
            int index = 0;
            if (
                !string.Equals(parts[0], "cuda", StringComparison.OrdinalIgnoreCase)
                || parts.Length > 2
                || (
                    parts.Length == 2
                    && !int.TryParse(
                        parts[1],
                        System.Globalization.NumberStyles.None,
                        System.Globalization.CultureInfo.InvariantCulture,
                        out index
                    )
                )
            )
                throw NotADevice(name);
            int count = torch.cuda.is_available() ? torch.cuda.device_count() : 0;
            if (index >= count)
                throw new ArgumentException(
                    $"device '{name}' is not available here: this process sees {count} CUDA device(s); use "
                        + $"cpu{(count > 0 ? $" or cuda:0..cuda:{count - 1}" : "")}.",
                    nameof(name)
                );
        }
        torch.Device device;
        try
        {
            device = torch.device(name);
        }
        catch (Exception e)
            when (e
                    is ArgumentException
                        or System.Runtime.InteropServices.ExternalException
                        or InvalidOperationException
            )
        {
            throw NotADevice(name, e);
        }
        return device;
    }

    private static ArgumentException NotADevice(string name, Exception? inner = null) =>
        new($"device '{name}' is not a device name; use cpu, cuda, cuda:N or auto.", nameof(name), inner);

    /// <summary>A one-line description for logs: TorchSharp version, threads, CUDA availability.</summary>
    public static string Describe() =>
        $"TorchSharp {typeof(torch).Assembly.GetName().Version}, threads={torch.get_num_threads()}, "
        + $"cuda={torch.cuda.is_available()}, glibc malloc tuned={AllocatorTuned}";
}
