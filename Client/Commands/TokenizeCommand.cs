using System.CommandLine;
using System.Text;
using System.Text.Json;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tokenization;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei tokenize --tokenizer FILE_OR_DIR --input IN.jsonl [--decode]`: the model's tokenizer (a Hugging Face
/// tokenizer.json, or the model folder holding it) over a JSONL file, one output line per input line, so ids can be
/// compared with another implementation's (HF <c>tokenizer(text, add_special_tokens=False)</c>).
/// 1. Encode: each <c>{"text": ...}</c> line prints <c>{"text": ..., "ids": [...]}</c>; special tokens spelled in
///    the text become their ids, nothing is added around.
/// 2. <c>--decode</c>: each <c>{"ids": [...]}</c> line prints <c>{"ids": [...], "text": ...}</c> with every token
///    spelled out (special ones too), so decoding an encode's output gives its text back.
/// 3. A bad line (not UTF-8, not JSON, no such key, an unknown id, longer than --max-line-bytes) is reported with the
///    file and line and skipped; the others are still printed; the exit code is then 1. Lines are read one at a time
///    with a bound (<see cref="BoundedLineReader"/>), never the whole file. Exit 2: bad command line.
/// </summary>
public static class TokenizeCommand
{
    private const int DefaultMaxLineBytes = 16 << 20;
    private const long MaxFileBytes = 1L << 40;

    private static readonly UTF8Encoding StrictUtf8 = new(
        encoderShouldEmitUTF8Identifier: false,
        throwOnInvalidBytes: true
    );

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var tokenizerPath = VerbOptions.RequiredText(
            "--tokenizer",
            "FILE_OR_DIR",
            "A Hugging Face tokenizer.json, or the model folder holding it."
        );
        var input = VerbOptions.RequiredText(
            "--input",
            "IN.jsonl",
            "One {\"text\": ...} (or with --decode {\"ids\": [...]}) per line."
        );
        var decode = new Option<bool>("--decode") { Description = "Turn ids into text instead of text into ids." };
        var maxLine = VerbOptions.PositiveInt(
            "--max-line-bytes",
            "N",
            $"The longest line read, in bytes [default: {DefaultMaxLineBytes}]."
        );
        var command = new Command(
            "tokenize",
            "Token ids of each {\"text\": ...} line (no special tokens added); --decode: ids to text."
        )
        {
            tokenizerPath,
            input,
            decode,
            maxLine,
        };
        command.SetAction(parse =>
            Run(
                parse.GetValue(tokenizerPath)!,
                parse.GetValue(input)!,
                parse.GetValue(decode),
                parse.GetValue(maxLine) ?? DefaultMaxLineBytes,
                parse.InvocationConfiguration.Output,
                parse.InvocationConfiguration.Error
            )
        );
        return command;
    }

    /// <summary>Converts every line of <paramref name="inputPath"/>; 0 when every line converted, else 1.</summary>
    public static int Run(
        string tokenizerPath,
        string inputPath,
        bool decode,
        int maxLineBytes,
        TextWriter output,
        TextWriter error
    )
    {
        QwenTokenizer tokenizer;
        try
        {
            tokenizer = QwenTokenizer.Load(tokenizerPath);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"cannot load the tokenizer: {e.Message}", e);
        }
        try
        {
            return Process(tokenizer, inputPath, decode, maxLineBytes, output, error);
        }
        catch (DataFormatException e)
        {
            throw new UserFacingException(e.Problem, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"cannot read {inputPath} ({e.Message}); pass a readable JSONL file.", e);
        }
    }

    private static int Process(
        QwenTokenizer tokenizer,
        string inputPath,
        bool decode,
        int maxLineBytes,
        TextWriter output,
        TextWriter error
    )
    {
        using var stream = RegularFile.OpenRead(
            inputPath,
            new DataLocation(inputPath),
            MaxFileBytes,
            "input file",
            "(none)"
        );
        var reader = new BoundedLineReader(stream, maxLineBytes);
        int failures = 0;
        while (reader.ReadLine() is { } line)
        {
            string? result = null;
            string? problem = line.TooLong
                ? $"holds more than {maxLineBytes} bytes (--max-line-bytes); write one row per line or raise the limit"
                : TryConvert(tokenizer, line, decode, out result);
            if (problem is null && result is not null)
                output.WriteLine(result);
            if (problem is null)
                continue;
            error.WriteLine($"saei tokenize: {inputPath} line {line.Number}: {problem}.");
            failures++;
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>One line → its output JSON (null for a blank line), or the problem with it.</summary>
    private static string? TryConvert(QwenTokenizer tokenizer, BoundedLine line, bool decode, out string? result)
    {
        result = null;
        ReadOnlySpan<byte> bytes = line.Bytes.Span;
        if (line.Number == 1 && bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            bytes = bytes[3..];
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            return $"is not valid UTF-8 (at byte {e.Index}); save the file as UTF-8";
        }
        if (string.IsNullOrWhiteSpace(text))
            return null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return $"is not valid JSON ({e.Message}); write one JSON object per line";
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return $"is a JSON {root.ValueKind}, not an object";
            return decode ? TryDecode(tokenizer, root, out result) : TryEncode(tokenizer, root, out result);
        }
    }

    private static string? TryEncode(QwenTokenizer tokenizer, JsonElement root, out string? result)
    {
        result = null;
        if (!root.TryGetProperty("text", out var textElement))
            return "has no key \"text\"; write {\"text\": \"...\"} (or pass --decode for {\"ids\": [...]} lines)";
        if (textElement.ValueKind != JsonValueKind.String)
            return $"key \"text\" is a JSON {textElement.ValueKind}; write it as a string";
        string text = textElement.GetString()!;
        result = Write(text, tokenizer.Encode(text), idsFirst: false);
        return null;
    }

    private static string? TryDecode(QwenTokenizer tokenizer, JsonElement root, out string? result)
    {
        result = null;
        if (!root.TryGetProperty("ids", out var idsElement))
            return "has no key \"ids\"; write {\"ids\": [...]} (or drop --decode for {\"text\": ...} lines)";
        if (idsElement.ValueKind != JsonValueKind.Array)
            return $"key \"ids\" is a JSON {idsElement.ValueKind}; write a list of token ids";
        var ids = new int[idsElement.GetArrayLength()];
        int i = 0;
        foreach (var item in idsElement.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out ids[i]))
                return $"key \"ids\"[{i}] is {item.GetRawText()}; every id must be a whole number";
            if (ids[i] < 0 || ids[i] >= tokenizer.VocabularySize || !tokenizer.IsKnownId(ids[i]))
                return $"key \"ids\"[{i}] is {ids[i]}, which is not in the vocabulary of {tokenizer.Source}";
            i++;
        }
        result = Write(tokenizer.Decode(ids), ids, idsFirst: true);
        return null;
    }

    private static string Write(string text, int[] ids, bool idsFirst)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            if (!idsFirst)
                json.WriteString("text", text);
            json.WriteStartArray("ids");
            foreach (int id in ids)
                json.WriteNumberValue(id);
            json.WriteEndArray();
            if (idsFirst)
                json.WriteString("text", text);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
