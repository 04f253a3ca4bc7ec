using SaEI.Testing;

namespace SaEI.Client.Tests.Commands;

/// <summary>Small sweep specs and free ports for the client tests.</summary>
public static class TestSpecs
{
    public static string NewExperimentId() => $"c-{Guid.NewGuid():N}"[..14];

    public static string Spec(
        string experiment,
        int steps,
        int seeds,
        string methods = "grpo: {}\n  saei: { step_size: 0.0078 }",
        int checkpointEvery = 3
    ) => SweepSpecs.Small(experiment, steps, seeds, methods, checkpointEvery);

    public static async Task<string> WriteAsync(string yaml)
    {
        string path = Scratch.NewFile("spec", ".yaml");
        await File.WriteAllTextAsync(path, yaml);
        return path;
    }

    /// <summary>A free loopback port (see <see cref="Ports"/>; silos start through <see
    /// cref="Ports.StartOnFreePortsAsync"/>).</summary>
    public static int FreePort() => Ports.Free();
}
