using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SaEI.Grains.Runs;

namespace SaEI.Grains.Workers;

/// <summary>
/// Deterministic fake metrics of a simulated run (EasyR1 names): reward rises and entropy decays with the step,
/// perturbing methods keep more entropy and reach a little more reward, and a hash of (method, config, seed, step,
/// name) adds noise in ±0.05. Pure: the same arguments always give the same numbers.
/// </summary>
public static class SimulatedMetrics
{
    public const string Reward = MetricNames.Reward;
    public const string Entropy = MetricNames.Entropy;
    public const string Accuracy = MetricNames.Accuracy;

    public static IReadOnlyDictionary<string, double> At(RunDescriptor run, int step, bool evaluates)
    {
        double progress = 1 - Math.Exp(-3.0 * step / Math.Max(1, run.Steps));
        double bonus = Perturbs(run.Method) ? 0.05 : 0.0;
        var metrics = new Dictionary<string, double>
        {
            [Reward] = Math.Clamp(0.2 + 0.55 * progress + bonus + Noise(run, step, Reward), 0, 1),
            [Entropy] = Math.Max(
                0,
                0.9 * (1 - progress) + (Perturbs(run.Method) ? 0.25 : 0.05) + Noise(run, step, Entropy)
            ),
        };
        if (evaluates)
            metrics[Accuracy] = Math.Clamp(0.15 + 0.5 * progress + bonus + Noise(run, step, Accuracy), 0, 1);
        return metrics;
    }

    /// <summary>A deterministic score of a checkpoint on an out-of-domain benchmark.</summary>
    public static double BenchmarkScore(string method, int seed, int step, string benchmark) =>
        Math.Clamp(
            0.3
                + (Perturbs(method) ? 0.06 : 0)
                + 0.001 * step
                + Unit($"{method}|{seed}|{step}|{benchmark}") * 0.1
                - 0.05,
            0,
            1
        );

    private static bool Perturbs(string method) =>
        method.StartsWith("saei", StringComparison.OrdinalIgnoreCase)
        || method.StartsWith("noisy", StringComparison.OrdinalIgnoreCase)
        || method.StartsWith("egas", StringComparison.OrdinalIgnoreCase);

    private static double Noise(RunDescriptor run, int step, string name) =>
        0.1 * (Unit($"{run.Method}|{run.ConfigKey}|{run.Seed}|{step}|{name}") - 0.5);

    private static double Unit(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return (BinaryPrimitives.ReadUInt64LittleEndian(hash) >> 11) / (double)(1UL << 53);
    }
}
