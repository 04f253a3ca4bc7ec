using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SaEI.Grains.Storage;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Storage;

/// <summary>
/// The storage meter (<see cref="StorageMetrics"/>) fed by a real <see cref="ResilientBlobStore"/> on Azurite with
/// injected network failures. The meter is process-wide: the tests run alone (their collection), and the retry test
/// keeps only the measurements made in its own asynchronous flow (an AsyncLocal mark flows into the retry callback;
/// Polly runs the breaker's callbacks on its own scheduler, outside that flow).
/// </summary>
[Collection(StorageMetricsCollection.Name)]
public sealed class StorageMetricsTests
{
    private static readonly AsyncLocal<string?> Flow = new();

    private static readonly BlobStoreOptions Fast = new()
    {
        MaxRetryAttempts = 3,
        BaseDelay = TimeSpan.FromMilliseconds(5),
        MaxDelay = TimeSpan.FromMilliseconds(20),
        AttemptTimeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task Each_retry_is_counted_with_its_operation()
    {
        await Azurite.EnsureRunningAsync();
        using var recorded = Record(out var measurements);
        var transport = new FaultyTransport(failures: 2);
        var store = ResilientBlobStore.Connect(
            Azurite.ConnectionString,
            $"metrics-{Guid.NewGuid():N}",
            Fast,
            transport: transport
        );
        await store.EnsureContainerAsync(); // attempts 1, 2 fail (injected), 3 succeeds

        var retries = measurements.Where(m => m.Instrument == "saei.storage.retries").ToList();
        Assert.Equal(2, retries.Count);
        Assert.All(retries, r => Assert.Equal("operation=create container", r.Tags));
    }

    [Fact]
    public async Task An_opened_circuit_is_counted_and_shows_in_the_open_circuits_gauge()
    {
        using var recorded = Record(out var measurements, anyFlow: true);
        int before = OpenCircuits();
        var transport = new FaultyTransport(failures: 0);
        var options = Fast with
        {
            MaxRetryAttempts = 0,
            BreakerMinimumThroughput = 3,
            BreakerFailureRatio = 0.5,
            BreakDuration = TimeSpan.FromMinutes(1),
        };
        // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
        string unreachable = System.Text.RegularExpressions.Regex.Replace(
            LocalStorage.AzuriteConnectionString(),
            @"127\.0\.0\.1:\d+",
            "127.0.0.1:9"
        );
        var store = ResilientBlobStore.Connect(unreachable, "breaker", options, transport: transport);
        for (int i = 0; i < 4; i++)
            await Assert.ThrowsAsync<BlobStoreUnavailableException>(() => store.ReadAsync("x"));

        await Eventually.HoldsAsync(
            () => Task.FromResult(OpenCircuits() == before + 1),
            TimeSpan.FromSeconds(10),
            $"one more open circuit than the {before} before this store's circuit opened"
        );
        var transitions = measurements.Where(m => m.Instrument == "saei.storage.circuit.transitions").ToList();
        Assert.Equal("state=open", Assert.Single(transitions).Tags);
    }

    /// <summary>The open-circuits gauge now.</summary>
    private static int OpenCircuits()
    {
        StorageMetrics.Register(); // as the first store does
        int open = -1;
        using var gauge = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == StorageMetrics.Name && instrument.Name == "saei.storage.circuit.open")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        gauge.SetMeasurementEventCallback<int>((_, value, _, _) => open = value);
        gauge.Start();
        gauge.RecordObservableInstruments();
        return open;
    }

    /// <summary>Listens to the storage meter's counters, keeping what this test's flow records as
    /// (instrument, "key=value" tags).</summary>
    private static MeterListener Record(
        out ConcurrentQueue<(string Instrument, string Tags)> measurements,
        bool anyFlow = false
    )
    {
        string mark = Guid.NewGuid().ToString("N");
        Flow.Value = mark;
        var kept = new ConcurrentQueue<(string Instrument, string Tags)>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == StorageMetrics.Name)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>(
            (instrument, _, tags, _) =>
            {
                if (!anyFlow && Flow.Value != mark)
                    return;
                kept.Enqueue((instrument.Name, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))));
            }
        );
        listener.Start();
        measurements = kept;
        return listener;
    }
}

/// <summary>Tests that count process-wide storage telemetry: run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StorageMetricsCollection
{
    public const string Name = "storage metrics (runs alone)";
}
