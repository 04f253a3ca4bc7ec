using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Grading;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei grade FILE.jsonl [--json]`: grades every row with the MathRuler-equivalent grader and prints each verdict and
/// the totals, like MathRuler's <c>mathruler eval</c> ("Pass@1: x/y = z%").
/// Row forms (the ground truth is <c>ground_truth</c>, or <c>answer</c> as in MathRuler's files):
/// 1. <c>given</c>: one answer, graded as written;
/// 2. <c>predicts</c>: a list of n responses, each graded by its last <c>\boxed{}</c> → Pass@n (some correct) and
///    Avg@n (mean fraction correct), n being the largest list;
/// 3. <c>solution</c>: one response, graded by its last <c>\boxed{}</c>.
/// A malformed line (not UTF-8, not JSON, not an object, a missing or mistyped field, longer than --max-line-bytes)
/// is reported with the file, line and field, is left out of the totals, and makes the exit code 1; so does a file
/// with no rows. Only a regular file is read (not a device, FIFO or directory), of at most --max-file-bytes, one
/// line of at most --max-line-bytes in memory at a time (issue #11). Exit 0: every line graded; 1: a line or the
/// file could not be graded; 2: bad command line.
/// </summary>
public static class GradeCommand
{
    /// <summary>Default limits: a line of 16 MiB, a file of 1 GiB.</summary>
    public sealed record Limits(int MaxLineBytes = 16 << 20, long MaxFileBytes = 1L << 30);

    private static readonly UTF8Encoding StrictUtf8 = new(
        encoderShouldEmitUTF8Identifier: false,
        throwOnInvalidBytes: true
    );

    private static readonly JsonSerializerOptions JsonOutput = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One graded row: its line, the answers graded, and a verdict per answer.</summary>
    public sealed record RowVerdict(
        int Line,
        string GroundTruth,
        IReadOnlyList<string> Answers,
        IReadOnlyList<bool> Correct
    );

    /// <summary>A line that could not be graded, naming its field.</summary>
    public sealed record LineError(int Line, string Field, string Message);

    /// <summary>The totals over the graded rows.</summary>
    public sealed record Totals(int Rows, int N, int PassCount, double PassAtN, double AvgAtN);

    public sealed record Report(
        string File,
        IReadOnlyList<RowVerdict> Rows,
        IReadOnlyList<LineError> Errors,
        Totals Totals
    );

    public static Command Create()
    {
        var file = VerbOptions.Path("file", "The JSONL file of answers (given, predicts or solution; ground_truth).");
        var json = VerbOptions.Json();
        var maxLine = VerbOptions.PositiveInt(
            "--max-line-bytes",
            "N",
            $"The longest line read, in bytes [default: {new Limits().MaxLineBytes}]."
        );
        var maxFile = VerbOptions.PositiveLong(
            "--max-file-bytes",
            "N",
            $"The largest file read, in bytes [default: {new Limits().MaxFileBytes}]."
        );
        var command = new Command(
            "grade",
            "Grade answers in a JSONL file with the MathRuler-equivalent grader; Pass@n and Avg@n."
        )
        {
            file,
            json,
            maxLine,
            maxFile,
        };
        command.SetAction(parse =>
        {
            var limits = new Limits();
            if (parse.GetValue(maxLine) is { } line)
                limits = limits with { MaxLineBytes = line };
            if (parse.GetValue(maxFile) is { } bytes)
                limits = limits with { MaxFileBytes = bytes };
            return Run(
                parse.GetValue(file)!,
                parse.GetValue(json),
                limits,
                parse.InvocationConfiguration.Output,
                parse.InvocationConfiguration.Error
            );
        });
        return command;
    }

    /// <summary>Grades <paramref name="path"/> and writes the verdicts; 0 when every line was graded, else 1.</summary>
    public static int Run(string path, bool json, Limits limits, TextWriter output, TextWriter error)
    {
        Report report;
        try
        {
            report = Grade(path, limits);
        }
        catch (DataFormatException e)
        {
            throw new UserFacingException(e.Problem, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"cannot read {path} ({e.Message}); pass a readable JSONL file.", e);
        }
        if (json)
            output.WriteLine(JsonSerializer.Serialize(report, JsonOutput));
        else
            WriteText(report, output);
        foreach (var e in report.Errors)
            error.WriteLine(
                e.Line == 0
                    ? $"saei grade: {path}: {e.Message}"
                    : $"saei grade: {path} line {e.Line}: field '{e.Field}': {e.Message}"
            );
        return report.Errors.Count > 0 ? 1 : 0;
    }

    /// <summary>
    /// Grades every non-blank line of <paramref name="path"/>. Throws <see cref="DataFormatException"/> when the path
    /// is not a regular file within the size limit.
    /// </summary>
    public static Report Grade(string path, Limits? limits = null)
    {
        limits ??= new Limits();
        var rows = new List<RowVerdict>();
        var errors = new List<LineError>();
        using var stream = RegularFile.OpenRead(
            path,
            new DataLocation(path),
            limits.MaxFileBytes,
            "grading file",
            "--max-file-bytes"
        );
        var reader = new BoundedLineReader(stream, limits.MaxLineBytes);
        long bytesRead = 0;
        while (reader.ReadLine() is { } read)
        {
            int lineNumber = (int)Math.Min(read.Number, int.MaxValue);
            bytesRead += read.Bytes.Length + 1;
            if (bytesRead > limits.MaxFileBytes)
                throw new DataFormatException(
                    new DataLocation(path),
                    $"grading file '{path}' holds more than the limit of {limits.MaxFileBytes} bytes "
                        + $"(--max-file-bytes)."
                );
            if (read.TooLong)
            {
                errors.Add(
                    new LineError(
                        lineNumber,
                        "(line)",
                        $"holds more than the limit of {limits.MaxLineBytes} bytes (--max-line-bytes); write one row "
                            + $"per line or raise the limit."
                    )
                );
                continue;
            }
            if (!TryDecode(read.Bytes.Span, lineNumber, out string? line, out var decodeError))
            {
                errors.Add(decodeError!);
                continue;
            }
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var row = GradeLine(line, lineNumber, out var lineError);
            if (row is not null)
                rows.Add(row);
            else
                errors.Add(lineError!);
        }
        if (rows.Count == 0 && errors.Count == 0)
            errors.Add(
                new LineError(
                    0,
                    "(file)",
                    "has no rows (it is empty or holds only blank lines); write one JSON object per line."
                )
            );
        return new Report(path, rows, errors, Summarize(rows));
    }

    /// <summary>Strict UTF-8 (a byte-order mark on line 1 is allowed); an invalid byte names the line and its
    /// offset.</summary>
    private static bool TryDecode(ReadOnlySpan<byte> bytes, int lineNumber, out string? line, out LineError? error)
    {
        (line, error) = (null, null);
        if (lineNumber == 1 && bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            bytes = bytes[3..];
        try
        {
            line = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException e)
        {
            error = new LineError(
                lineNumber,
                "(line)",
                $"is not valid UTF-8 (at byte {e.Index}); save the file as UTF-8."
            );
            return false;
        }
    }

    private static RowVerdict? GradeLine(string line, int lineNumber, out LineError? lineError)
    {
        lineError = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            lineError = new LineError(
                lineNumber,
                "(line)",
                $"is not valid JSON ({e.Message}); write one JSON object per line."
            );
            return null;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                lineError = new LineError(
                    lineNumber,
                    "(line)",
                    $"is a JSON {root.ValueKind}, not an object; write {{\"given\": ..., \"ground_truth\": ...}}."
                );
                return null;
            }
            string groundTruthField =
                root.TryGetProperty("ground_truth", out _) || !root.TryGetProperty("answer", out _)
                    ? "ground_truth"
                    : "answer";
            if (!TryText(root, groundTruthField, out string? groundTruth, out lineError, lineNumber))
                return null;
            List<string> answers;
            if (root.TryGetProperty("given", out _))
            {
                if (!TryText(root, "given", out string? given, out lineError, lineNumber))
                    return null;
                answers = [given!];
            }
            else if (root.TryGetProperty("predicts", out var predicts))
            {
                if (
                    predicts.ValueKind != JsonValueKind.Array
                    || predicts.GetArrayLength() == 0
                    || predicts.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.String)
                )
                {
                    lineError = new LineError(
                        lineNumber,
                        "predicts",
                        "must be a non-empty list of strings (the model's responses)."
                    );
                    return null;
                }
                answers = predicts
                    .EnumerateArray()
                    .Select(p => BoxedAnswer.ExtractBoxedContent(p.GetString()!))
                    .ToList();
            }
            else if (root.TryGetProperty("solution", out _))
            {
                if (!TryText(root, "solution", out string? solution, out lineError, lineNumber))
                    return null;
                answers = [BoxedAnswer.ExtractBoxedContent(solution!)];
            }
            else
            {
                lineError = new LineError(
                    lineNumber,
                    "given",
                    "is missing; add \"given\" (an answer), \"predicts\" (a list of responses) or \"solution\" (a "
                        + "response)."
                );
                return null;
            }
            return new RowVerdict(
                lineNumber,
                groundTruth!,
                answers,
                answers.Select(a => AnswerGrader.Grade(a, groundTruth!)).ToArray()
            );
        }
    }

    /// <summary>A string field (a JSON number is taken as written, e.g. 18 → "18").</summary>
    private static bool TryText(
        JsonElement root,
        string field,
        out string? text,
        out LineError? lineError,
        int lineNumber
    )
    {
        text = null;
        lineError = null;
        if (!root.TryGetProperty(field, out var value))
        {
            lineError = new LineError(
                lineNumber,
                field,
                "is missing; every row needs a ground truth (\"ground_truth\" or \"answer\")."
            );
            return false;
        }
        if (value.ValueKind == JsonValueKind.String)
            text = value.GetString();
        else if (value.ValueKind == JsonValueKind.Number)
            text = value.GetRawText();
        else
        {
            lineError = new LineError(lineNumber, field, $"is a JSON {value.ValueKind}; write it as a string.");
            return false;
        }
        return true;
    }

    private static Totals Summarize(IReadOnlyList<RowVerdict> rows)
    {
        int n = rows.Count == 0 ? 1 : rows.Max(r => r.Correct.Count);
        int pass = rows.Count(r => r.Correct.Any(c => c));
        double average = rows.Sum(r => r.Correct.Count(c => c) / (double)r.Correct.Count);
        return new Totals(
            rows.Count,
            n,
            pass,
            rows.Count == 0 ? 0 : pass / (double)rows.Count,
            rows.Count == 0 ? 0 : average / rows.Count
        );
    }

    private static void WriteText(Report report, TextWriter output)
    {
        foreach (var row in report.Rows)
        {
            string verdict =
                row.Correct.Count == 1
                    ? (row.Correct[0] ? "correct" : "wrong")
                    : $"{row.Correct.Count(c => c)}/{row.Correct.Count} correct";
            output.WriteLine(
                $"line {row.Line}: {verdict}  given={string.Join(" | ", row.Answers)}  ground_truth={row.GroundTruth}"
            );
        }
        var t = report.Totals;
        output.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"Pass@{t.N}: {t.PassCount}/{t.Rows} = {100 * t.PassAtN:F2}%")
        );
        if (t.N > 1)
        {
            double correctFractions = t.AvgAtN * t.Rows;
            output.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Avg@{t.N}: {correctFractions:0.##}/{t.Rows} = {100 * t.AvgAtN:F2}%"
                )
            );
        }
        if (report.Errors.Count > 0)
            output.WriteLine($"{report.Errors.Count} malformed line(s) left out (see the errors).");
    }
}
