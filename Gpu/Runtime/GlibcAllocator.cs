using System.Runtime.InteropServices;

namespace SaEI.Gpu.Runtime;

/// <summary>
/// Keeps glibc's malloc from handing LibTorch's CPU tensor buffers back to the kernel after every free.
/// With glibc's defaults a freed block above the (dynamic) mmap threshold is unmapped and the heap top is trimmed,
/// so the next layer's activations of the same size page-fault in again: on TinyVlm's RL step (1 thread) that was
/// 13–15% system time and a 1.7× slower policy update (Benchmarks `rl-step-timing`: update 2.08 s → 1.25 s).
/// Decisions:
/// 1. mmap threshold fixed at 32 MiB (glibc's maximum on 64-bit; fixing it also stops the dynamic adjustment),
///    trim threshold 1 GiB, top pad 64 MiB: a training process keeps up to that much freed heap for reuse.
/// 2. Linux with glibc only; elsewhere (macOS, Windows, musl) nothing is done. CUDA tensors never go through malloc.
/// 3. SAEI_GLIBC_MALLOC_TUNING=0 in the environment leaves glibc's defaults alone.
/// </summary>
internal static class GlibcAllocator
{
    private const int TrimThreshold = -1,
        TopPad = -2,
        MmapThreshold = -3; // M_* of <malloc.h>

    /// <summary>Applies the settings once; returns whether glibc accepted all three.</summary>
    public static bool Tune()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("SAEI_GLIBC_MALLOC_TUNING") == "0")
            return false;
        try
        {
            return Mallopt(MmapThreshold, 32 << 20) == 1
                & Mallopt(TrimThreshold, 1 << 30) == 1
                & Mallopt(TopPad, 64 << 20) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (e.g. musl)
        }
    }

    [DllImport("libc.so.6", EntryPoint = "mallopt", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mallopt(int parameter, int value);
}
