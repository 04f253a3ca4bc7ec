using System.Diagnostics;

namespace SaEI.Gpu.Tests.Runtime;

/// <summary>
/// infra/device-check.sh on a machine without a GPU: it must say so and exit 0 (issue 13 acceptance). The nvidia-smi
/// it asks is pinned (DEVICE_CHECK_NVIDIA_SMI), so these cases run the same on a GPU machine without its CUDA build.
/// </summary>
public sealed class DeviceCheckScriptTests
{
    [Fact]
    public void Without_nvidia_smi_the_script_says_no_GPU_and_exits_0()
    {
        var (exitCode, output) = RunScript("saei-no-such-nvidia-smi");
        Assert.Equal(0, exitCode);
        Assert.Equal("device check: no GPU (nvidia-smi not found)", output.Trim());
    }

    [Fact]
    public void An_nvidia_smi_that_lists_no_device_is_no_GPU_with_exit_0()
    {
        if (OperatingSystem.IsWindows())
            return; // a bash script: Linux and macOS only
        string folder = Directory.CreateTempSubdirectory("saei-device-check-").FullName;
        try
        {
            string fake = Path.Combine(folder, "nvidia-smi");
            File.WriteAllText(fake, "#!/usr/bin/env bash\nexit 0\n");
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var (exitCode, output) = RunScript(fake);
            Assert.Equal(0, exitCode);
            Assert.Equal("device check: no GPU (nvidia-smi lists no device)", output.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (int ExitCode, string Output) RunScript(string nvidiaSmi)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "infra", "device-check.sh"));
        start.Environment["DEVICE_CHECK_NVIDIA_SMI"] = nvidiaSmi;
        using var process =
            Process.Start(start)
            ?? throw new InvalidOperationException("bash did not start: the device-check test needs bash on PATH.");
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(
                "infra/device-check.sh did not finish within 30 s; without a GPU it should return at once."
            );
        }
        return (process.ExitCode, output + stderr.Result);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SaEI.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"SaEI.sln not found above {AppContext.BaseDirectory}.");
    }
}
