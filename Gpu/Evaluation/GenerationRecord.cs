using System.Text.Json;
using System.Text.Json.Serialization;

namespace SaEI.Gpu.Evaluation;

/// <summary>One sampled response, graded: a line of the generations file (JSONL, snake_case keys).</summary>
/// <param name="Benchmark">The benchmark (data source) name.</param>
/// <param name="ProblemId">The problem's id in its source.</param>
/// <param name="Family">The problem's family (per-family metrics).</param>
/// <param name="Sample">Which of the k samples, 0-based.</param>
/// <param name="Prompt">The user text the model saw after the image: problem plus the EasyR1 instruction.</param>
/// <param name="Response">The decoded response (up to the first end-of-sequence).</param>
/// <param name="Answer">The ground truth.</param>
/// <param name="Accuracy">1 when the boxed answer is correct, else 0.</param>
/// <param name="Format">1 when the response has the &lt;think&gt;…&lt;/think&gt;…\boxed{…} shape, else 0.</param>
public sealed record GenerationRecord(
    string Benchmark,
    string ProblemId,
    string Family,
    int Sample,
    string Prompt,
    string Response,
    string Answer,
    double Accuracy,
    double Format
)
{
    public static JsonSerializerOptions JsonOptions { get; } =
        new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            // Readable tags and LaTeX in the file (<think>, \boxed) rather than \u003C escapes; the file is never HTML.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

    /// <summary>Writes one JSON object per line.</summary>
    public static void WriteJsonl(TextWriter writer, IEnumerable<GenerationRecord> records)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
            writer.Write(JsonSerializer.Serialize(record, JsonOptions) + "\n");
    }

    /// <summary>Writes the records to <paramref name="path"/> (UTF-8, no BOM), creating its folder.</summary>
    public static void WriteJsonl(string path, IEnumerable<GenerationRecord> records)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
        WriteJsonl(writer, records);
    }

    /// <summary>Reads a file written by <see cref="WriteJsonl(string, IEnumerable{GenerationRecord})"/>; a bad line is
    /// named.</summary>
    public static IReadOnlyList<GenerationRecord> ReadJsonl(string path)
    {
        var records = new List<GenerationRecord>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            try
            {
                records.Add(
                    JsonSerializer.Deserialize<GenerationRecord>(line, JsonOptions)
                        ?? throw new InvalidDataException($"{path} line {lineNumber} is null.")
                );
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path} line {lineNumber} is not a generation record: {e.Message}", e);
            }
        }
        return records;
    }
}
