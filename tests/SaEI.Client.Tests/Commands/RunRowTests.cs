using System.Text.Json;
using SaEI.Client.Commands;
using SaEI.Grains.Experiments;
using SaEI.Grains.Runs;

namespace SaEI.Client.Tests.Commands;

/// <summary>Where a run sits, as `sweep status` prints it: the worker's silo and incarnation.</summary>
public sealed class RunRowTests
{
    private static RunStatus Running(string? worker) =>
        new()
        {
            RunId = "grpo-0123abcd-s1",
            ExperimentId = "exp",
            Method = "grpo",
            ConfigKey = "",
            Seed = 1,
            State = worker is null ? RunState.Pending : RunState.Running,
            Step = 7,
            TotalSteps = 10,
            Epoch = 3,
            Worker = worker,
            LeaseDeadline = worker is null ? null : new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        };

    [Fact]
    public void Json_names_the_workers_silo_and_incarnation_and_the_lease_deadline()
    {
        using var row = JsonDocument.Parse(
            JsonOutput.Serialize(JsonOutput.RunRow(Running("127.0.0.1:11111@155198489")))
        );
        var worker = row.RootElement.GetProperty("worker");
        Assert.Equal("127.0.0.1:11111@155198489", worker.GetProperty("id").GetString());
        Assert.Equal("127.0.0.1:11111", worker.GetProperty("silo").GetString());
        Assert.Equal(155198489, worker.GetProperty("incarnation").GetInt32());
        Assert.Equal(3, row.RootElement.GetProperty("epoch").GetInt64());
        Assert.Equal(
            new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            row.RootElement.GetProperty("lease_deadline").GetDateTimeOffset()
        );
    }

    [Fact]
    public void A_run_no_worker_holds_has_a_null_worker_in_json_and_a_dash_in_the_table()
    {
        using var row = JsonDocument.Parse(JsonOutput.Serialize(JsonOutput.RunRow(Running(null))));
        Assert.Equal(JsonValueKind.Null, row.RootElement.GetProperty("worker").ValueKind);
        var status = new SweepStatus("exp", true, [Running(null), Running("127.0.0.1:11111@155198489")]);
        string[] lines = RunTable.Format(status).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("worker", lines[1].TrimEnd(), StringComparison.Ordinal);
        Assert.EndsWith(" -", lines[2].TrimEnd(), StringComparison.Ordinal);
        Assert.EndsWith(" 127.0.0.1:11111@155198489", lines[3].TrimEnd(), StringComparison.Ordinal);
    }
}
