using System.Globalization;

namespace SaEI.Gpu.Training;

/// <summary>
/// Refuses a run whose <see cref="MemoryPlan"/> estimate exceeds a device's available memory, with a message that
/// names what would help most, e.g. "needs 131.0 GiB on cuda:0, 80.0 GiB available: enable activation checkpointing
/// (saves 60.2 GiB) or add a device".
/// Decisions:
/// 1. Available memory: an explicit setting wins; otherwise on CPU /proc/meminfo's MemAvailable (Linux); a device
///    whose memory is unknown (CUDA until the device reports it) is not checked.
/// 2. The fixes are ranked by the bytes they save on the device that does not fit, each re-estimated with the plan:
///    activation checkpointing, moving the reference off the device, micro_batch_responses, generation_batch_rows and
///    prompts_per_step halved until the device fits (or 1); a fix that does not close the gap alone says so; "add a
///    device" comes last.
/// </summary>
public static class MemoryPlanCheck
{
    /// <summary>Null when every device with a known budget fits; otherwise the refusal message.</summary>
    public static string? Refusal(MemoryPlanEstimate estimate, Func<string, long?> availableBytes)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(availableBytes);
        for (int i = 0; i < estimate.Devices.Count; i++)
        {
            var device = estimate.Devices[i];
            if (availableBytes(device.Device) is not { } available || device.PeakBytes <= available)
                continue;
            long excess = device.PeakBytes - available;
            var fixes = Fixes(estimate.Inputs, i, device.PeakBytes, available)
                .Where(f => f.Saved > 0)
                .OrderByDescending(f => f.Saved)
                .Select(f =>
                    $"{f.Text} (saves {MemoryPlan.Format(f.Saved)}{(f.Saved >= excess ? "" : ", not enough alone")})"
                )
                .Append("add a device");
            return $"needs {MemoryPlan.Format(device.PeakBytes)} on {device.Device}, {MemoryPlan.Format(available)} "
                + $"available: "
                + string.Join(" or ", fixes)
                + $". Estimate: {device}.";
        }
        return null;
    }

    /// <summary>Bytes a CPU run may use: /proc/meminfo MemAvailable, or null where that file is absent (not
    /// Linux).</summary>
    public static long? CpuAvailableBytes()
    {
        const string meminfo = "/proc/meminfo";
        if (!File.Exists(meminfo))
            return null;
        foreach (string line in File.ReadLines(meminfo))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                continue;
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries); // MemAvailable: 123 kB
            return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
        }
        return null;
    }

    /// <summary>Available bytes for a device name: <paramref name="configured"/> when set, else MemAvailable for
    /// cpu.</summary>
    public static long? AvailableBytes(string device, long? configured) =>
        configured ?? (device == "cpu" ? CpuAvailableBytes() : null);

    private static IEnumerable<(string Text, long Saved)> Fixes(
        MemoryPlanInputs inputs,
        int deviceIndex,
        long peak,
        long available
    )
    {
        long PeakOf(MemoryPlanInputs changed)
        {
            var devices = MemoryPlan.Estimate(changed).Devices;
            return deviceIndex < devices.Count ? devices[deviceIndex].PeakBytes : 0;
        }
        if (!inputs.ActivationCheckpointing)
            yield return (
                "enable activation checkpointing",
                peak - PeakOf(inputs with { ActivationCheckpointing = true })
            );
        if (deviceIndex == 0 && inputs.Reference == ReferencePlacement.SameDevice)
            yield return (
                "put the reference model on another device or the CPU",
                peak - PeakOf(inputs with { Reference = ReferencePlacement.OtherDevice })
            );
        // Halve a batch size until the device fits (or it reaches 1): the largest value that fits, or the best there
        // is.
        int microBatch = Halved(inputs.MicroBatchRows, m => PeakOf(inputs with { MicroBatchRows = m }) <= available);
        if (microBatch < inputs.MicroBatchRows)
            yield return (
                $"set micro_batch_responses {microBatch}",
                peak - PeakOf(inputs with { MicroBatchRows = microBatch })
            );
        int rows = (int)Math.Min(int.MaxValue, inputs.GenerationRows);
        int chunk = Halved(rows, c => PeakOf(inputs with { GenerationBatchRows = c }) <= available);
        if (chunk < rows)
            yield return (
                $"set generation_batch_rows {chunk}",
                peak - PeakOf(inputs with { GenerationBatchRows = chunk })
            );
        int prompts = Halved(inputs.PromptsPerStep, b => PeakOf(inputs with { PromptsPerStep = b }) <= available);
        if (prompts < inputs.PromptsPerStep)
            yield return (
                $"set prompts_per_step {prompts} (and mini_batch_prompts to divide it)",
                peak - PeakOf(inputs with { PromptsPerStep = prompts })
            );
    }

    private static int Halved(int value, Func<int, bool> fits)
    {
        while (value > 1)
        {
            value /= 2;
            if (fits(value))
                break;
        }
        return value;
    }
}
