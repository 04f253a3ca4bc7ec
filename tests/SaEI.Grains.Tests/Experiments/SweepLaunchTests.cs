using SaEI.Grains.Experiments;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Tests.Orchestration;
using SaEI.Grains.Workers;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Experiments;

[Collection(OrchestrationCollection.Name)]
public sealed class SweepLaunchTests(OrchestrationCluster fixture)
{
    [Fact]
    public async Task A_launched_sweep_completes_every_run_and_the_leaderboard_has_mean_and_std_over_three_seeds()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        var status = await fixture.RunToEndAsync(experiment, OrchestrationCluster.Spec(experiment));

        Assert.Equal(6, status.Runs.Count);
        Assert.All(
            status.Runs,
            r =>
            {
                Assert.Equal(RunState.Completed, r.State);
                Assert.Equal(6, r.Step);
                Assert.Equal(0, r.Restarts);
                Assert.Equal([3, 6], r.CommittedSteps);
                var descriptor = new RunDescriptor
                {
                    ExperimentId = experiment,
                    RunId = r.RunId,
                    Method = r.Method,
                    ConfigKey = r.ConfigKey,
                    Seed = r.Seed,
                    Steps = 6,
                    CheckpointEvery = 3,
                    EvalEvery = 2,
                };
                Assert.Equal(
                    Convert.ToHexStringLower(
                        System.Security.Cryptography.SHA256.HashData(SimulatedRunExecutor.WeightsAfter(descriptor, 6))
                    ),
                    r.FinalWeightsSha256
                );
            }
        );

        // Leaderboard: one row per (method, benchmark) with 3 seeds; mean and std recomputed from the runs' own scores.
        var rows = await fixture.Grains.GetGrain<ILeaderboardGrain>(experiment).QueryAsync(null);
        Assert.Equal(4, rows.Count); // {grpo, saei} × {in-domain, synth-hard}
        foreach (var row in rows)
        {
            Assert.Equal(3, row.Seeds);
            var scores = status
                .Runs.Where(r => r.Method == row.Method)
                .Select(r =>
                    row.Benchmark == MetricNames.InDomain ? r.BestAccuracy!.Value : r.Benchmarks[row.Benchmark]
                )
                .ToList();
            double mean = scores.Average();
            double std = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / 2);
            Assert.Equal(mean, row.Mean, 12);
            Assert.Equal(std, row.Std, 12);
            Assert.True(row.Std > 0, $"seeds should differ for {row.Method}/{row.Benchmark}");
        }
        Assert.Equal(2, (await fixture.Grains.GetGrain<ILeaderboardGrain>(experiment).QueryAsync("synth-hard")).Count);

        // Comparisons with grpo: the simulated executor stores no per-problem results, so seeds alone are resampled
        // (paired: both methods ran seeds 1-3); the difference is the difference of the rows' means.
        var comparisons = await fixture.Grains.GetGrain<ILeaderboardGrain>(experiment).CompareAsync(null, "grpo");
        Assert.Equal(
            [(MetricNames.InDomain, "saei"), ("synth-hard", "saei")],
            comparisons.Select(c => (c.Benchmark, c.Method))
        );
        foreach (var c in comparisons)
        {
            double Mean(string method) => rows.Single(r => r.Method == method && r.Benchmark == c.Benchmark).Mean;
            double expected = Mean("saei") - Mean("grpo");
            Assert.Equal(expected, c.Difference!.Value, 12);
            Assert.Equal(
                ("seeds", true, false, 3, 3),
                (c.Resampled, c.PairedSeeds, c.PairedProblems, c.Seeds, c.BaselineSeeds)
            );
            Assert.True(
                c.Low <= c.Difference && c.Difference <= c.High && c.WelchP is > 0 and <= 1 && c.Mde > 0,
                $"{c.Benchmark}: {c}"
            );
        }

        // Metrics: every step once in metrics.jsonl.
        var metrics = await new MetricsLog(
            ResilientBlobStore.Connect(Azurite.ConnectionString, StorageNames.DataContainer)
        ).ReadAsync(experiment, status.Runs[0].RunId);
        Assert.Equal([1, 2, 3, 4, 5, 6], metrics.Select(m => m.Step));
    }

    [Fact]
    public async Task Relaunching_the_same_spec_creates_no_run_and_a_changed_spec_under_the_same_id_is_refused()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        string spec = OrchestrationCluster.Spec(experiment, steps: 3);
        var status = await fixture.RunToEndAsync(experiment, spec);
        var grain = fixture.Grains.GetGrain<IExperimentGrain>(experiment);

        // Same content, other YAML spelling (a comment): the same fingerprint, nothing new, nothing restarted.
        var again = await grain.LaunchAsync("# relaunch\n" + spec, new Dictionary<string, string>());
        Assert.Equal(LaunchOutcome.AlreadyLaunched, again.Outcome);
        Assert.Equal(status.Runs.Select(r => r.RunId).Order(), again.RunIds.Order());
        var after = await grain.GetStatusAsync();
        Assert.Equal(6, after.Runs.Count);
        Assert.All(after.Runs, r => Assert.Equal(RunState.Completed, r.State));
        Assert.Equal(status.Runs.Select(r => r.Epoch), after.Runs.Select(r => r.Epoch));

        var changed = await grain.LaunchAsync(
            OrchestrationCluster.Spec(experiment, steps: 4),
            new Dictionary<string, string>()
        );
        Assert.Equal(LaunchOutcome.Refused, changed.Outcome);
        Assert.Contains("different spec", changed.Message, StringComparison.Ordinal);
        Assert.Contains(experiment, changed.Message, StringComparison.Ordinal);
        Assert.Equal(6, (await grain.GetRunsAsync()).Count);
    }

    [Fact]
    public async Task An_invalid_spec_is_refused_naming_the_key_and_nothing_is_stored()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        var grain = fixture.Grains.GetGrain<IExperimentGrain>(experiment);
        var result = await grain.LaunchAsync(
            OrchestrationCluster.Spec(experiment).Replace("step_size", "step_sise", StringComparison.Ordinal),
            new Dictionary<string, string>()
        );
        Assert.Equal(LaunchOutcome.Refused, result.Outcome);
        Assert.Contains("step_sise", result.Message, StringComparison.Ordinal);
        Assert.False((await grain.GetStatusAsync()).Launched);

        var wrongId = await fixture
            .Grains.GetGrain<IExperimentGrain>(experiment + "x")
            .LaunchAsync(OrchestrationCluster.Spec(experiment), new Dictionary<string, string>());
        Assert.Equal(LaunchOutcome.Refused, wrongId.Outcome);
    }

    [Fact]
    public async Task Cancelling_a_sweep_cancels_its_unfinished_runs_and_fences_their_workers()
    {
        string experiment = OrchestrationCluster.NewExperimentId();
        var grain = fixture.Grains.GetGrain<IExperimentGrain>(experiment);
        var launched = await grain.LaunchAsync(
            OrchestrationCluster.Spec(experiment, steps: 400, seeds: 1),
            new Dictionary<string, string> { [SimulatedRunExecutor.StepMillisecondsKey] = "20" }
        );
        Assert.Equal(LaunchOutcome.Launched, launched.Outcome);
        await Eventually.HoldsAsync(
            async () => (await grain.GetStatusAsync()).Runs.All(r => r.Step > 0),
            TimeSpan.FromSeconds(20),
            "both runs progressing"
        );

        Assert.Equal(2, await grain.CancelAsync());
        var status = await grain.GetStatusAsync();
        Assert.All(status.Runs, r => Assert.Equal(RunState.Cancelled, r.State));
        // The workers are fenced at their next report and free their slots.
        var workers = fixture
            .Cluster.Silos.Select(silo => fixture.Grains.GetGrain<IGpuWorkerGrain>(silo.SiloAddress.ToParsableString()))
            .ToList();
        await Eventually.HoldsAsync(
            async () =>
            {
                var infos = await Task.WhenAll(workers.Select(w => w.GetInfoAsync()));
                return infos.All(i => !i.RunningRuns.Intersect(launched.RunIds).Any());
            },
            TimeSpan.FromSeconds(10),
            "no worker still running a cancelled run"
        );
        Assert.All((await grain.GetStatusAsync()).Runs, r => Assert.Equal(RunState.Cancelled, r.State));
    }
}
