using System.Text.Json.Nodes;
using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Tests.Tokenization;

/// <summary>A malformed tokenizer.json is one clear error naming the file and the key.</summary>
public sealed class TokenizerJsonFileTests
{
    private static InvalidDataException Corrupt(Action<JsonObject> change)
    {
        using var tiny = new TinyTokenizerFolder();
        var root = JsonNode.Parse(File.ReadAllText(tiny.File))!.AsObject();
        change(root);
        File.WriteAllText(tiny.File, root.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => QwenTokenizer.Load(tiny.File));
        Assert.Contains(tiny.File, error.Message);
        return error;
    }

    [Fact]
    public void MissingVocab_IsNamed() =>
        Assert.Contains("'model.vocab' is missing", Corrupt(root => root["model"]!.AsObject().Remove("vocab")).Message);

    [Fact]
    public void NonIntegerVocabId_IsNamed() =>
        Assert.Contains("'model.vocab[\"!\"]'", Corrupt(root => root["model"]!["vocab"]!["!"] = "zero").Message);

    [Fact]
    public void RepeatedVocabId_IsNamed() =>
        Assert.Contains("repeats id 0", Corrupt(root => root["model"]!["vocab"]!["\""] = 0).Message);

    [Fact]
    public void MalformedMerge_IsNamedWithItsIndex() =>
        Assert.Contains(
            "'model.merges[1]'",
            Corrupt(root => root["model"]!["merges"]![1] = new JsonArray("l")).Message
        );

    [Fact]
    public void MergeOfAnUnknownToken_IsAnErrorNotACrash() =>
        Assert.Contains(
            "model.merges",
            Corrupt(root => root["model"]!["merges"]!.AsArray().Add(new JsonArray("hello", "x"))).Message
        );

    [Fact]
    public void AddedTokenWithoutContent_IsNamed() =>
        Assert.Contains(
            "'added_tokens[0].content'",
            Corrupt(root => root["added_tokens"]![0]!.AsObject().Remove("content")).Message
        );

    [Fact]
    public void OtherModelType_IsNamed() =>
        Assert.Contains("'model.type' is 'WordPiece'", Corrupt(root => root["model"]!["type"] = "WordPiece").Message);

    [Fact]
    public void OtherPreTokenizer_IsRefused() =>
        Assert.Contains(
            "'pre_tokenizer'",
            Corrupt(root => root["pre_tokenizer"] = new JsonObject { ["type"] = "Whitespace" }).Message
        );

    [Fact]
    public void NotJson_IsReportedWithTheFile()
    {
        using var tiny = new TinyTokenizerFolder();
        File.WriteAllText(tiny.File, "{\"model\": ");
        var error = Assert.Throws<InvalidDataException>(() => QwenTokenizer.Load(tiny.Folder));
        Assert.Contains(tiny.File, error.Message);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void FolderWithoutTheFile_SaysWhatToPass()
    {
        string folder = Directory.CreateTempSubdirectory("saei-empty-").FullName;
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => QwenTokenizer.Load(folder));
            Assert.Contains(folder, error.Message);
            Assert.Contains("tokenizer.json", error.Message);
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    [Fact]
    public void TokenizerConfig_SetsTheSpecialFlags_AndMustAgreeOnContent()
    {
        using var tiny = new TinyTokenizerFolder();
        string config = Path.Combine(tiny.Folder, TokenizerJsonFile.ConfigFileName);
        File.WriteAllText(
            config,
            """{"added_tokens_decoder": {"288": {"content": "<|vision_start|>", "special": false}}}"""
        );
        var tokenizer = QwenTokenizer.Load(tiny.Folder);
        Assert.False(tokenizer.IsSpecial(288));
        Assert.True(tokenizer.IsSpecial(298));

        File.WriteAllText(
            config,
            """{"added_tokens_decoder": {"288": {"content": "<|box_start|>", "special": true}}}"""
        );
        var error = Assert.Throws<InvalidDataException>(() => QwenTokenizer.Load(tiny.Folder));
        Assert.Contains(config, error.Message);
        Assert.Contains("added_tokens_decoder[\"288\"]", error.Message);
    }

    [Fact]
    public void BothMergeSerialisations_GiveTheSameIds()
    {
        using var tiny = new TinyTokenizerFolder();
        var pairs = QwenTokenizer.Load(tiny.File).Encode("hello world, hell!");
        var root = JsonNode.Parse(File.ReadAllText(tiny.File))!.AsObject();
        var merges = root["model"]!["merges"]!.AsArray();
        root["model"]!["merges"] = new JsonArray([
            .. merges.Select(m => (JsonNode)JsonValue.Create($"{m![0]} {m[1]}")),
        ]);
        File.WriteAllText(tiny.File, root.ToJsonString());
        Assert.Equal(pairs, QwenTokenizer.Load(tiny.File).Encode("hello world, hell!"));
        Assert.Contains(258, pairs);
    }

    [Fact]
    public void ChatTokenizer_WithoutImEnd_NamesTheFileAndTheToken()
    {
        using var tiny = new TinyTokenizerFolder();
        var root = JsonNode.Parse(File.ReadAllText(tiny.File))!.AsObject();
        var added = root["added_tokens"]!.AsArray();
        added.Remove(added.First(t => (string?)t!["content"] == "<|im_end|>"));
        File.WriteAllText(tiny.File, root.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => QwenChatTokenizer.Load(tiny.File));
        Assert.Contains("<|im_end|>", error.Message);
        Assert.Contains(tiny.File, error.Message);
    }
}
