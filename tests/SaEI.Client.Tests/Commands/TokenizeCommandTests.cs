using System.Text.Json;
using SaEI.Gpu.Tokenization;

namespace SaEI.Client.Tests.Commands;

/// <summary>`saei tokenize` in process on a tiny byte-level tokenizer.json written for the test.</summary>
public sealed class TokenizeCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("saei-tokenize-").FullName;

    public TokenizeCommandTests() =>
        TinyTokenizerJsonWriter.Write(
            Path.Combine(folder, TokenizerJsonFile.FileName),
            new Dictionary<string, int> { ["<|endoftext|>"] = 297, ["<|im_end|>"] = 298 },
            [("h", "e"), ("l", "l"), ("he", "ll")]
        );

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Input(params string[] lines)
    {
        string path = Path.Combine(folder, $"in-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    private static (int Code, string[] Output, string Error) Run(params string[] args)
    {
        var result = Foundation.Cli.Run(["tokenize", .. args]);
        return (result.Code, result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), result.Error);
    }

    [Fact]
    public void Encode_PrintsTextAndIdsPerLine_AndDecodeGivesTheTextBack()
    {
        string input = Input("""{"text": "hello"}""", "", """{"text": "é 😀<|im_end|>\n"}""");

        var (code, output, error) = Run("--tokenizer", folder, "--input", input);

        Assert.Equal((0, ""), (code, error));
        Assert.Equal(2, output.Length);
        using (var first = JsonDocument.Parse(output[0]))
        {
            Assert.Equal("hello", first.RootElement.GetProperty("text").GetString());
            Assert.Equal([258, 111], first.RootElement.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()));
        }
        Assert.Contains(",298,", output[1].Replace(" ", ""));

        string idsInput = Input([
            .. output
                .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("ids").GetRawText())
                .Select(ids => $"{{\"ids\": {ids}}}"),
        ]);
        var (decodeCode, decoded, decodeError) = Run(
            "--tokenizer",
            Path.Combine(folder, TokenizerJsonFile.FileName),
            "--input",
            idsInput,
            "--decode"
        );

        Assert.Equal((0, ""), (decodeCode, decodeError));
        Assert.Equal(
            ["hello", "é 😀<|im_end|>\n"],
            decoded.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString())
        );
        Assert.StartsWith("{\"ids\":[258,111]", decoded[0]);
    }

    [Fact]
    public void BadLines_AreNamedWithFileAndLine_TheRestIsPrinted_ExitOne()
    {
        string input = Input(
            """{"text": "ok"}""",
            "{not json",
            """{"words": "x"}""",
            """{"text": 5}""",
            """{"text": "fine"}"""
        );

        var (code, output, error) = Run("--tokenizer", folder, "--input", input);

        Assert.Equal(1, code);
        Assert.Equal(2, output.Length);
        Assert.Contains($"{input} line 2: is not valid JSON", error);
        Assert.Contains($"{input} line 3: has no key \"text\"", error);
        Assert.Contains($"{input} line 4: key \"text\" is a JSON Number", error);
    }

    [Fact]
    public void Decode_OfAnUnknownId_NamesTheLineAndTheId()
    {
        string input = Input("""{"ids": [104, 299]}""", """{"ids": "x"}""");

        var (code, output, error) = Run("--tokenizer", folder, "--input", input, "--decode");

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Contains($"{input} line 1: key \"ids\"[1] is 299, which is not in the vocabulary", error);
        Assert.Contains($"{input} line 2: key \"ids\" is a JSON String", error);
    }

    [Fact]
    public void MissingInput_Or_BadTokenizer_ExitOne_NamingThePath()
    {
        string missing = Path.Combine(folder, "missing.jsonl");
        var (code, _, error) = Run("--tokenizer", folder, "--input", missing);
        Assert.Equal(1, code);
        Assert.Contains(missing, error);

        string broken = Path.Combine(folder, "broken.json");
        File.WriteAllText(broken, "[]");
        (code, _, error) = Run("--tokenizer", broken, "--input", Input("""{"text": "a"}"""));
        Assert.Equal(1, code);
        Assert.Contains(broken, error);
    }

    [Fact]
    public void UsageErrors_ExitTwo()
    {
        Assert.Equal(2, Run("--input", "x.jsonl").Code);
        Assert.Equal(2, Run("--tokenizer", folder, "--input", "x.jsonl", "--frobnicate").Code);
        Assert.Equal(2, Run("--tokenizer").Code);
    }

    [Fact]
    public async Task Dispatcher_KnowsTheVerb()
    {
        // Through the real entry point: a usage error proves the verb is routed (an unknown verb prints the usage, also
        // 2).
        var result = await Foundation.Cli.RunAsync("tokenize", "--input", "x.jsonl");
        Assert.Equal(2, result.Code);
        Assert.Contains("saei tokenize: Option '--tokenizer' is required", result.Error, StringComparison.Ordinal);
    }
}
