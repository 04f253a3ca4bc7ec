using System.Net;
using System.Net.Sockets;
using SaEI.Testing;

namespace SaEI.Client.Tests.Commands;

/// <summary>Small sweep specs and free ports for the client tests.</summary>
public static class TestSpecs
{
    public static string NewExperimentId() => $"c-{Guid.NewGuid():N}"[..14];

    public static string Spec(string experiment, int steps, int seeds, string methods = "grpo: {}\n  saei: { step_size: 0.0078 }", int checkpointEvery = 3) =>
        SweepSpecs.Small(experiment, steps, seeds, methods, checkpointEvery);

    public static async Task<string> WriteAsync(string yaml)
    {
        string path = Path.Combine(Path.GetTempPath(), $"saei-spec-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, yaml);
        return path;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
