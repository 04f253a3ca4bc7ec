using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using SaEI.Gpu.Training;
using SaEI.Grains.Experiments;
using SaEI.Grains.Leaderboards;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Silo;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Training;

/// <summary>
/// Issue 12 end to end: sweeps on a tiny random Qwen2.5-VL checkpoint folder (<see
/// cref="SaEI.Gpu.Tests.Training.TinyQwenFolder"/>) under the silo's data root, run by real in-process Orleans clusters
/// with the torch executor on real Azurite storage. Training and test data are geometry3k-format parquet files of PNGs
/// of mixed sizes (56×84, 84×56, 112×112) read by the real loader (<see cref="QwenSweepInputs"/>). Each fact deploys
/// its own cluster; the two that train are Slow (about 15 s each on a quiet 2-core machine, more under load).
/// </summary>
public sealed class QwenSweepTests(QwenSweepInputs inputs) : IAsyncLifetime, IClassFixture<QwenSweepInputs>
{
    private TestCluster cluster = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (cluster is null)
            return;
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }

    [Fact, Trait("Category", "Slow")]
    public async Task A_saei_sweep_on_a_tiny_qwen_folder_checkpoints_every_step_of_every_run_and_fills_the_leaderboard()
    {
        var (model, train, test) = (inputs.Model, inputs.Train, inputs.Test);
        await StartClusterAsync<EveryWorkerSilo>(1);
        string experiment = $"q-{Guid.NewGuid():N}"[..14];
        var grain = cluster.GrainFactory.GetGrain<IExperimentGrain>(experiment);
        var launched = await grain.LaunchAsync(
            Spec(
                experiment,
                model,
                train,
                test,
                seeds: "[1, 2, 3]",
                steps: 2,
                methods: "{ grpo: {}, saei: {} }",
                ood: true
            ),
            new Dictionary<string, string>()
        );
        Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message);
        Assert.Equal(6, launched.RunIds.Count);

        SweepStatus status = null!;
        await Eventually.HoldsAsync(
            async () => (status = await grain.GetStatusAsync()).Runs.All(r => r.State.IsTerminal()),
            TimeSpan.FromMinutes(8),
            "every run of the Qwen sweep ended"
        );

        var blobs = ResilientBlobStore.Connect(Azurite.ConnectionString, StorageNames.DataContainer);
        var checkpoints = new CheckpointStore(blobs, TimeProvider.System);
        foreach (var run in status.Runs)
        {
            string explain =
                $"{run.RunId}: {run.State}, restarts {run.Restarts}, failures: {string.Join(" | ", run.Failures)}";
            Assert.True(run.State == RunState.Completed, explain);
            Assert.True(run.Restarts == 0, explain);
            Assert.Equal(2, run.Step);
            Assert.Equal([1, 2], run.CommittedSteps.Order());
            Assert.True(run.Metrics.ContainsKey(MetricNames.Accuracy), $"{run.RunId} reported no in-domain accuracy");
            Assert.True(run.Benchmarks.ContainsKey("geo-ood"), $"{run.RunId} was not scored on the out-of-domain set");

            // The last checkpoint holds the Qwen parameters under their Hugging Face names and is the run's final
            // weights.
            using var last = (await checkpoints.TryLoadAsync(experiment, run.RunId, 2)).Checkpoint;
            Assert.NotNull(last);
            byte[] weights = await File.ReadAllBytesAsync(last.PathOf(TrainingCheckpoint.ModelFile));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(weights)), run.FinalWeightsSha256);
            string header = System.Text.Encoding.UTF8.GetString(weights, 8, (int)BitConverter.ToUInt64(weights, 0));
            Assert.Contains("\"visual.patch_embed.proj.weight\"", header, StringComparison.Ordinal);
            Assert.Contains("\"lm_head.weight\"", header, StringComparison.Ordinal);
        }
        // every (method, seed) trained its own way
        Assert.Equal(6, status.Runs.Select(r => r.FinalWeightsSha256).Distinct().Count());

        var rows = await cluster.GrainFactory.GetGrain<ILeaderboardGrain>(experiment).QueryAsync(null);
        Assert.Equal(4, rows.Count); // {grpo, saei} × {in-domain, geo-ood}
        Assert.All(rows, row => Assert.Equal(3, row.Seeds));
        Assert.Equal(["grpo", "saei"], rows.Select(r => r.Method).Distinct().Order(StringComparer.Ordinal));

        var metrics = await new MetricsLog(blobs).ReadAsync(experiment, status.Runs[0].RunId);
        Assert.Equal([0, 1, 2], metrics.Select(m => m.Step)); // step 0: the base model's evaluation
    }

    [Fact, Trait("Category", "Slow")]
    public async Task A_bf16_qwen_run_trains_in_bfloat16_and_checkpoints_float32_master_weights()
    {
        // dtype: bf16 reaches the executor's model load (issue 13): the checkpoint stores BF16 weights and F32 masters.
        var (model, train, test) = (inputs.Model, inputs.Train, inputs.Test);
        await StartClusterAsync<EveryWorkerSilo>(1);
        string experiment = $"q-{Guid.NewGuid():N}"[..14];
        var run = await RunAloneAsync(
            experiment,
            Spec(
                experiment,
                model,
                train,
                test,
                seeds: "[1]",
                steps: 2,
                methods: "{ saei: { dtype: bf16 } }",
                ood: false
            )
        );
        var status = await WaitAsync(run, s => s.State.IsTerminal(), "the bf16 run ended");
        Assert.True(status.State == RunState.Completed, $"{status.State}: {string.Join(" | ", status.Failures)}");

        var blobs = ResilientBlobStore.Connect(Azurite.ConnectionString, StorageNames.DataContainer);
        using var last = (
            await new CheckpointStore(blobs, TimeProvider.System).TryLoadAsync(experiment, status.RunId, 2)
        ).Checkpoint;
        Assert.NotNull(last);
        static string Header(string path)
        {
            byte[] file = File.ReadAllBytes(path);
            return System.Text.Encoding.UTF8.GetString(file, 8, (int)BitConverter.ToUInt64(file, 0));
        }
        string weights = Header(last.PathOf(TrainingCheckpoint.ModelFile));
        Assert.Contains("\"dtype\":\"BF16\"", weights, StringComparison.Ordinal);
        Assert.DoesNotContain("\"dtype\":\"F32\"", weights, StringComparison.Ordinal);
        Assert.Contains(
            "\"master.lm_head.weight\":{\"dtype\":\"F32\"",
            Header(last.PathOf(TrainingCheckpoint.OptimizerFile)),
            StringComparison.Ordinal
        );
    }

    [Fact, Trait("Category", "Slow")]
    public async Task A_qwen_run_handed_back_by_a_stopped_worker_resumes_on_a_new_silo_with_uninterrupted_weights()
    {
        var (model, train, test) = (inputs.Model, inputs.Train, inputs.Test);
        await StartClusterAsync<ControlPrimarySilo>(2);
        // Five steps, stopped after the first checkpoint: four steps of margin between seeing the checkpoint and the
        // stop.
        const int steps = 5;

        string straightId = $"q-{Guid.NewGuid():N}"[..14];
        var straight = await RunAloneAsync(
            straightId,
            Spec(straightId, model, train, test, seeds: "[1]", steps: steps, methods: "{ saei: {} }", ood: false)
        );
        var straightStatus = await WaitAsync(straight, s => s.State.IsTerminal(), "the uninterrupted run ended");
        Assert.True(straightStatus.State == RunState.Completed, string.Join(" | ", straightStatus.Failures));
        Assert.NotNull(straightStatus.FinalWeightsSha256);

        string resumedId = $"q-{Guid.NewGuid():N}"[..14];
        var run = await RunAloneAsync(
            resumedId,
            Spec(resumedId, model, train, test, seeds: "[1]", steps: steps, methods: "{ saei: {} }", ood: false)
        );
        var before = await WaitAsync(
            run,
            s => s.State == RunState.Running && s.CheckpointStep >= 1 && s.Worker is not null,
            "the run committed its step-1 checkpoint"
        );
        Assert.True(
            before.CheckpointStep < steps,
            $"the run finished (checkpoint {before.CheckpointStep}) before its worker could be stopped"
        );
        await cluster.StopSiloAsync(cluster.Silos.Single(s => s.SiloAddress.ToParsableString() == before.Worker));
        var handedBack = await run.GetStatusAsync();
        Assert.Equal(1, handedBack.Restarts);
        Assert.Equal(FailureKind.WorkerLost, Assert.Single(handedBack.Failures).Kind);

        await cluster.StartAdditionalSiloAsync();
        var after = await WaitAsync(run, s => s.State.IsTerminal(), "the run completed on the new silo");
        Assert.True(after.State == RunState.Completed, string.Join(" | ", after.Failures));
        Assert.Equal(1, after.Restarts);
        Assert.Contains(
            after.Notes,
            n =>
                n.Contains($"resumed from the checkpoint of step {handedBack.CheckpointStep}", StringComparison.Ordinal)
        );
        Assert.Equal([1, 2, 3, 4, 5], after.CommittedSteps.Order());
        Assert.Equal(straightStatus.FinalWeightsSha256, after.FinalWeightsSha256);

        // The steps trained after the resume report exactly the metrics of the uninterrupted run (wall-clock timings
        // aside).
        var log = new MetricsLog(ResilientBlobStore.Connect(Azurite.ConnectionString, StorageNames.DataContainer));
        var straightMetrics = await log.ReadAsync(straightId, straightStatus.RunId);
        var resumedMetrics = await log.ReadAsync(resumedId, after.RunId);
        Assert.Equal([0, 1, 2, 3, 4, 5], resumedMetrics.Select(m => m.Step));
        foreach (var record in resumedMetrics.Where(m => m.Step > handedBack.CheckpointStep))
        {
            var expected = straightMetrics
                .Single(m => m.Step == record.Step)
                .Values.Where(v => !v.Key.StartsWith("timing_s/", StringComparison.Ordinal))
                .ToList();
            Assert.NotEmpty(expected);
            foreach (var (key, value) in expected)
                Assert.True(
                    value.Equals(record.Values[key]),
                    $"step {record.Step}: {key} is {value} uninterrupted, {record.Values[key]} resumed"
                );
        }
    }

    [Fact]
    public async Task A_qwen_folder_outside_the_data_roots_is_refused_at_launch_and_a_corrupt_one_fails_at_once()
    {
        var (model, train, test) = (inputs.Model, inputs.Train, inputs.Test);
        await StartClusterAsync<EveryWorkerSilo>(1);

        string outsideId = $"q-{Guid.NewGuid():N}"[..14];
        // beside the data root
        string outside = Path.Combine(Path.GetTempPath(), $"saei-not-a-root-{Guid.NewGuid():N}", "qwen");
        var refused = await cluster
            .GrainFactory.GetGrain<IExperimentGrain>(outsideId)
            .LaunchAsync(
                Spec(outsideId, outside, train, test, seeds: "[1]", steps: 1, methods: "{ grpo: {} }", ood: false),
                new Dictionary<string, string>()
            );
        Assert.Equal(LaunchOutcome.Refused, refused.Outcome);
        Assert.Contains("model.path: path", refused.Message, StringComparison.Ordinal);
        Assert.Contains("outside the data roots", refused.Message, StringComparison.Ordinal);

        // A copy of the folder whose weights are cut short: the loader names the shard, the run is not retried.
        string corrupt = Path.Combine(QwenSweepInputs.DataFolder, $"qwen-corrupt-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(corrupt);
        foreach (string file in Directory.GetFiles(model))
            File.Copy(file, Path.Combine(corrupt, Path.GetFileName(file)));
        string shard = Path.Combine(corrupt, TrainingCheckpoint.ModelFile);
        byte[] bytes = await File.ReadAllBytesAsync(shard);
        await File.WriteAllBytesAsync(shard, bytes[..(bytes.Length * 2 / 3)]);
        string corruptId = $"q-{Guid.NewGuid():N}"[..14];
        var run = await RunAloneAsync(
            corruptId,
            Spec(corruptId, corrupt, train, test, seeds: "[1]", steps: 1, methods: "{ grpo: {} }", ood: false)
        );
        var failed = await WaitAsync(run, s => s.State.IsTerminal(), "the run on the corrupt folder ended");
        string explain = $"{failed.State}, restarts {failed.Restarts}; failures: {string.Join(" | ", failed.Failures)}";
        Assert.True(failed.State == RunState.Failed && failed.Restarts == 0, explain);
        var failure = Assert.Single(failed.Failures);
        Assert.Equal(FailureKind.Configuration, failure.Kind);
        Assert.Contains("loading the base model failed", failure.Message, StringComparison.Ordinal);
        Assert.Contains(shard, failure.Message, StringComparison.Ordinal);
    }

    private static string Spec(
        string experiment,
        string model,
        string train,
        string test,
        string seeds,
        int steps,
        string methods,
        bool ood
    )
    {
        string oodLine = ood ? $"  ood: [ {{ name: geo-ood, format: geometry3k, path: '{test}' }} ]" : "";
        return $$"""
            experiment: {{experiment}}
            model: { family: qwen2.5-vl, path: '{{model}}' }
            data:
              train: { name: geo-train, format: geometry3k, path: '{{train}}' }
              test:  { name: geo-test, format: geometry3k, path: '{{test}}' }
            {{oodLine}}
            seeds: {{seeds}}
            steps: {{steps}}
            rollout:
              { prompts_per_step: 2, mini_batch_prompts: 2, group_size: 2, max_new_tokens: 4, learning_rate: 0.001 }
            methods: {{methods}}
            eval: { every: 1, samples: 1 }
            checkpoint: { every: 1 }
            max_failures: 3
            """;
    }

    private async Task<IRunGrain> RunAloneAsync(string experiment, string spec)
    {
        var launched = await cluster
            .GrainFactory.GetGrain<IExperimentGrain>(experiment)
            .LaunchAsync(spec, new Dictionary<string, string>());
        Assert.True(launched.Outcome == LaunchOutcome.Launched, launched.Message);
        return cluster.GrainFactory.GetGrain<IRunGrain>(Assert.Single(launched.RunIds));
    }

    private static async Task<RunStatus> WaitAsync(IRunGrain run, Func<RunStatus, bool> condition, string expectation)
    {
        RunStatus status = null!;
        await Eventually.HoldsAsync(
            async () => condition(status = await run.GetStatusAsync()),
            TimeSpan.FromMinutes(4),
            expectation
        );
        return status;
    }

    private async Task StartClusterAsync<TConfigurator>(short silos)
        where TConfigurator : ISiloConfigurator, new()
    {
        await Azurite.EnsureRunningAsync();
        var builder = TestClusterPorts.Builder(silos);
        builder.AddSiloBuilderConfigurator<TConfigurator>();
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    private static Dictionary<string, string?> Settings() =>
        new()
        {
            [SiloConfiguration.ExecutorKey] = SiloConfiguration.TorchExecutor,
            ["Saei:Torch:Device"] = "cpu",
            ["Saei:Torch:Threads"] = "1",
            ["Saei:Torch:ModelCache"] = Path.Combine(QwenSweepInputs.Root, "cache"),
            ["Saei:Data:Roots:0"] = QwenSweepInputs.DataFolder,
            ["Saei:Worker:Slots"] = "2",
            ["Saei:Worker:PollPeriod"] = "00:00:00.200",
            ["Saei:Runs:CheckPeriod"] = "00:00:00.200",
            ["Saei:Runs:ReminderPeriod"] = "00:00:05",
        };

    private static void Configure(ISiloBuilder silo, bool worker)
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(Settings()).Build();
        silo.AddSaeiStorage(Azurite.ConnectionString)
            .AddSaeiOrchestration(Azurite.ConnectionString, runsWorker: worker, settings);
    }

    /// <summary>Every silo runs a worker (the one-silo sweeps).</summary>
    private sealed class EveryWorkerSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => QwenSweepTests.Configure(silo, worker: true);
    }

    /// <summary>The primary silo only orchestrates; every other silo is a worker that can be stopped and
    /// replaced.</summary>
    private sealed class ControlPrimarySilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) =>
            QwenSweepTests.Configure(silo, worker: silo.Configuration["Orleans:Name"] != "Primary");
    }
}
