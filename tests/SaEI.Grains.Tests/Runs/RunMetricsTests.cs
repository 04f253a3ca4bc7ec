using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using SaEI.Grains.Runs;
using SaEI.Grains.Tests.Orchestration;
using SaEI.Grains.Workers;

namespace SaEI.Grains.Tests.Runs;

/// <summary>
/// The run meter (<see cref="RunMetrics"/>) of a real two-silo cluster: a run that fails once (numeric) and completes
/// counts one restart of kind numeric and its transitions. Only this cluster's meters are listened to (each silo's
/// meter factory is the scope of its meters), and its collection runs its tests one at a time.
/// </summary>
[Collection(OrchestrationCollection.Name)]
public sealed class RunMetricsTests(OrchestrationCluster fixture)
{
    [Fact]
    public async Task A_run_that_fails_once_counts_one_restart_of_its_kind_and_each_transition()
    {
        var factories = fixture
            .Cluster.Silos.OfType<InProcessSiloHandle>()
            .Select(silo => (object)silo.SiloHost.Services.GetRequiredService<IMeterFactory>())
            .ToHashSet();
        var counted = new ConcurrentQueue<(string Instrument, string Tag, long Value)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RunMetrics.Name && factories.Contains(instrument.Meter.Scope!))
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>(
            (instrument, value, tags, _) =>
                counted.Enqueue(
                    (instrument.Name, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")), value)
                )
        );
        listener.Start();
        // Restarts are observed totals per kind over the shared cluster's life: this run's are the change.
        long Restarts(string kind)
        {
            counted.Clear();
            listener.RecordObservableInstruments();
            return counted
                .Where(c => c.Instrument == "saei.runs.restarts" && c.Tag == $"kind={kind}")
                .Sum(c => c.Value);
        }
        var before = new[] { "numeric", "worker_lost", "infrastructure" }.ToDictionary(kind => kind, Restarts);
        counted.Clear();

        string experiment = OrchestrationCluster.NewExperimentId();
        var status = await fixture.RunToEndAsync(
            experiment,
            OrchestrationCluster.Spec(experiment, steps: 4, seeds: 1, methods: "grpo: {}"),
            new Dictionary<string, string>
            {
                [SimulatedRunExecutor.FailAtStepKey] = "2",
                [SimulatedRunExecutor.FailKindKey] = "numeric",
            }
        );
        Assert.Equal(RunState.Completed, Assert.Single(status.Runs).State);

        int Count(string instrument, string tag) => counted.Count(c => c.Instrument == instrument && c.Tag == tag);
        Assert.Equal(2, Count("saei.runs.transitions", "state=pending")); // created, then back after the failure
        Assert.Equal(2, Count("saei.runs.transitions", "state=running"));
        Assert.Equal(1, Count("saei.runs.transitions", "state=evaluating"));
        Assert.Equal(1, Count("saei.runs.transitions", "state=completed"));
        // Every kind is reported (zeros included), summed over the silos.
        Assert.Equal(1, Restarts("numeric") - before["numeric"]);
        Assert.Equal(0, Restarts("worker_lost") - before["worker_lost"]);
        Assert.Equal(0, Restarts("infrastructure") - before["infrastructure"]);
    }
}
