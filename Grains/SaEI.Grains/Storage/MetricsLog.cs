using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SaEI.Grains.Storage;

/// <summary>One line of metrics.jsonl: the step and named values (EasyR1 metric names, e.g.
/// "reward/overall").</summary>
public sealed record MetricsRecord(int Step, IReadOnlyDictionary<string, double> Values);

/// <summary>
/// Per-step metrics of a run in experiments/{exp}/runs/{run}/metrics.jsonl, one JSON object per line with "step".
/// Decisions: read-modify-write under If-Match/If-None-Match (a block blob, so Azurite and Azure agree), retried on
/// conflict; idempotent per step (a step written again after a resume is skipped: the first record wins, because a
/// resumed run replays the same step bitwise). NaN/Infinity are kept as JSON strings "NaN"/"Infinity".
/// </summary>
public sealed class MetricsLog(ResilientBlobStore store)
{
    /// <summary>How many times an append re-reads after a concurrent writer won. Default 8.</summary>
    public int MaxConflictRetries { get; init; } = 8;

    /// <summary>Appends <paramref name="record"/> unless its step is already in the log. True when appended.</summary>
    public async Task<bool> AppendAsync(
        string experiment,
        string run,
        MetricsRecord record,
        CancellationToken cancellation = default
    )
    {
        string path = BlobPaths.Metrics(experiment, run);
        if (record.Step < 0)
            throw new ArgumentOutOfRangeException(
                nameof(record),
                record.Step,
                $"metrics for {path}: step must be ≥ 0."
            );
        string line = ToLine(record);
        for (int attempt = 0; attempt <= MaxConflictRetries; attempt++)
        {
            var current = await store.ReadAsync(path, cancellation);
            string text = current is BlobReadResult.Found found ? found.Content.ToString() : "";
            if (Parse(text, path).Any(r => r.Step == record.Step))
                return false;
            if (text.Length > 0 && !text.EndsWith('\n'))
                text += "\n";
            var condition = current is BlobReadResult.Found f
                ? WriteCondition.Matching(f.ETag)
                : WriteCondition.CreateOnly;
            if (
                await store.WriteAsync(path, BinaryData.FromString(text + line + "\n"), condition, cancellation)
                is BlobWriteResult.Written
            )
                return true;
        }
        throw new IOException(
            $"metrics {path}: step {record.Step} lost the write race {MaxConflictRetries + 1} times; is more than "
                + $"one worker writing this run?"
        );
    }

    /// <summary>Every record, in file order (ascending step when written by one run).</summary>
    public async Task<IReadOnlyList<MetricsRecord>> ReadAsync(
        string experiment,
        string run,
        CancellationToken cancellation = default
    )
    {
        string path = BlobPaths.Metrics(experiment, run);
        return await store.ReadAsync(path, cancellation) is BlobReadResult.Found found
            ? Parse(found.Content.ToString(), path)
            : [];
    }

    internal static string ToLine(MetricsRecord record)
    {
        var json = new StringBuilder("{\"step\":").Append(record.Step.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in record.Values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (name == "step")
                throw new ArgumentException(
                    "metric name 'step' is reserved for the step number; rename the metric.",
                    nameof(record)
                );
            json.Append(',').Append(JsonSerializer.Serialize(name)).Append(':');
            json.Append(
                double.IsFinite(value)
                    ? value.ToString("R", CultureInfo.InvariantCulture)
                    : JsonSerializer.Serialize(value.ToString(CultureInfo.InvariantCulture))
            );
        }
        return json.Append('}').ToString();
    }

    internal static IReadOnlyList<MetricsRecord> Parse(string text, string path)
    {
        var records = new List<MetricsRecord>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
                continue;
            try
            {
                var obj = JsonNode.Parse(lines[i])!.AsObject();
                int step = obj["step"]!.GetValue<int>();
                var values = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var (name, node) in obj)
                {
                    if (name == "step" || node is null)
                        continue;
                    values[name] =
                        node.GetValueKind() == JsonValueKind.String
                            ? double.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture)
                            : node.GetValue<double>();
                }
                records.Add(new MetricsRecord(step, values));
            }
            catch (Exception e)
                when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException)
            {
                throw new InvalidDataException($"{path} line {i + 1} is not a metrics record ({e.Message}).", e);
            }
        }
        return records;
    }
}
