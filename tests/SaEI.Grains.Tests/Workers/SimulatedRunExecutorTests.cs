using Microsoft.Extensions.Logging.Abstractions;
using SaEI.Grains.Runs;
using SaEI.Grains.Storage;
using SaEI.Grains.Workers;

namespace SaEI.Grains.Tests.Workers;

/// <summary>The simulated executor alone, through its seam, with in-memory checkpoints and an in-process progress
/// sink.</summary>
public sealed class SimulatedRunExecutorTests
{
    private static readonly RunDescriptor Run = new()
    {
        ExperimentId = "exp",
        RunId = "saei-0000abcd-s2",
        Method = "saei",
        ConfigKey = "lr=0.0001",
        Seed = 2,
        Steps = 10,
        CheckpointEvery = 3,
        EvalEvery = 5,
    };

    private sealed class Sink(InMemoryCheckpointBackend backend) : IRunProgress, IRunCheckpoints
    {
        public List<(int Step, IReadOnlyDictionary<string, double> Metrics)> Reports { get; } = [];

        public List<int> Commits { get; } = [];

        public int? ResumedFrom { get; private set; }

        public Task ReportAsync(int step, IReadOnlyDictionary<string, double> metrics, CancellationToken cancellation)
        {
            Reports.Add((step, metrics));
            return Task.CompletedTask;
        }

        public async Task<RestoredCheckpoint?> LoadLatestAsync(CancellationToken cancellation)
        {
            var loaded = await backend.LoadLatestIntactAsync(Run, cancellation);
            ResumedFrom = loaded?.Step ?? 0;
            return loaded;
        }

        public StagingFolder Stage(int step) => backend.CreateStaging(Run, step);

        public async Task<bool> CommitAsync(int step, StagingFolder files, CancellationToken cancellation)
        {
            Commits.Add(step);
            await backend.CommitAsync(Run, step, files, null, cancellation);
            return true;
        }
    }

    private static RunExecutionContext Context(Sink sink, int restarts) =>
        new()
        {
            Run = Run,
            Epoch = restarts + 1,
            Restarts = restarts,
            Checkpoints = sink,
            Progress = sink,
            Logger = NullLogger.Instance,
        };

    private static string Sha256(byte[] bytes) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    private static SimulatedRunExecutor Executor(SimulatedFaults? faults = null) =>
        new(
            new SimulatedExecutorOptions { StepDuration = TimeSpan.Zero },
            faults ?? new SimulatedFaults(),
            TimeProvider.System
        );

    [Fact]
    public async Task An_uninterrupted_run_reports_every_step_checkpoints_every_N_and_at_the_end()
    {
        var sink = new Sink(new InMemoryCheckpointBackend());
        var result = await Executor().ExecuteAsync(Context(sink, 0), CancellationToken.None);
        Assert.Equal(10, result.FinalStep);
        Assert.Equal(Enumerable.Range(1, 10), sink.Reports.Select(r => r.Step));
        Assert.Equal([3, 6, 9, 10], sink.Commits);
        Assert.Equal([5, 10], sink.Reports.Where(r => r.Metrics.ContainsKey(MetricNames.Accuracy)).Select(r => r.Step));
        Assert.Equal(Sha256(SimulatedRunExecutor.WeightsAfter(Run, 10)), result.FinalWeightsSha256);
        Assert.NotEqual(Sha256(SimulatedRunExecutor.WeightsAfter(Run, 9)), result.FinalWeightsSha256);
    }

    [Fact]
    public async Task A_run_interrupted_after_a_checkpoint_resumes_there_and_ends_with_identical_weights_and_metrics()
    {
        var reference = new Sink(new InMemoryCheckpointBackend());
        var uninterrupted = await Executor().ExecuteAsync(Context(reference, 0), CancellationToken.None);

        var backend = new InMemoryCheckpointBackend();
        var faults = new SimulatedFaults
        {
            BeforeStep = (context, step, _) =>
                context.Restarts == 0 && step == 8
                    ? throw new RunFailureException(FailureKind.Infrastructure, "test: node lost", step)
                    : Task.CompletedTask,
        };
        var first = new Sink(backend);
        await Assert.ThrowsAsync<RunFailureException>(() =>
            Executor(faults).ExecuteAsync(Context(first, 0), CancellationToken.None)
        );
        Assert.Equal([3, 6], backend.StepsOf(Run.RunId));

        var second = new Sink(backend);
        var resumed = await Executor(faults).ExecuteAsync(Context(second, 1), CancellationToken.None);
        Assert.Equal(6, second.ResumedFrom);
        Assert.Equal(7, second.Reports[0].Step);
        Assert.Equal(uninterrupted.FinalWeightsSha256, resumed.FinalWeightsSha256);
        var replayed = reference.Reports.Where(r => r.Step >= 7).ToList();
        Assert.Equal(replayed.Select(r => r.Metrics), second.Reports.Select(r => r.Metrics));
    }

    [Fact]
    public async Task Injected_failures_carry_their_class_and_fire_only_on_the_first_attempt_by_default()
    {
        var run = Run with
        {
            Options = new Dictionary<string, string>
            {
                [SimulatedRunExecutor.FailAtStepKey] = "2",
                [SimulatedRunExecutor.FailKindKey] = "numeric",
            },
        };
        var sink = new Sink(new InMemoryCheckpointBackend());
        var context = new RunExecutionContext
        {
            Run = run,
            Epoch = 1,
            Restarts = 0,
            Checkpoints = sink,
            Progress = sink,
            Logger = NullLogger.Instance,
        };
        var failure = await Assert.ThrowsAsync<RunFailureException>(() =>
            Executor().ExecuteAsync(context, CancellationToken.None)
        );
        Assert.Equal(FailureKind.Numeric, failure.Kind);
        Assert.Equal(2, failure.Step);

        var retry = new RunExecutionContext
        {
            Run = run,
            Epoch = 2,
            Restarts = 1,
            Checkpoints = sink,
            Progress = sink,
            Logger = NullLogger.Instance,
        };
        Assert.Equal(10, (await Executor().ExecuteAsync(retry, CancellationToken.None)).FinalStep);
    }
}
