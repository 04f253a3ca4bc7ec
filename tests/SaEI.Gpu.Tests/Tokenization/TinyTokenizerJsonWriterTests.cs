using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Tests.Tokenization;

public sealed class TinyTokenizerJsonWriterTests
{
    [Fact]
    public void WrittenFile_LoadsAndAppliesTheMergesInRankOrder()
    {
        using var tiny = new TinyTokenizerFolder();
        var tokenizer = QwenTokenizer.Load(tiny.Folder);

        // "hello" → he, ll → hell + o; " world" → " w" + o r l d (bytes: o=111, r=114, l=108, d=100).
        Assert.Equal([258, 111, 259, 111, 114, 108, 100], tokenizer.Encode("hello world"));
        Assert.Equal(299, tokenizer.VocabularySize);
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("Ünïcödé, 中文, 😀 and 𝑥 — every byte has a token\n\ttabs  and  spaces ")]
    [InlineData("<|im_start|>user\nhi<|im_end|>\n")]
    public void WrittenFile_RoundTripsAnyText(string text)
    {
        using var tiny = new TinyTokenizerFolder();
        var tokenizer = QwenTokenizer.Load(tiny.File);
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void WrittenFile_ServesTheChatTokenizer_WithTheIdsTheCallerChose()
    {
        using var tiny = new TinyTokenizerFolder();
        var chat = QwenChatTokenizer.Load(tiny.Folder);

        Assert.Equal((298, 297, 290), (chat.EndOfSequenceId, chat.PadId, chat.ImagePadId));
        int[] prompt = chat.BuildPrompt("2+2?", imageTokenCount: 3);
        Assert.Equal(3, prompt.Count(id => id == 290));
        Assert.Equal([296, .. chat.Encode("system\nYou")], prompt[..(1 + chat.Encode("system\nYou").Length)]);
        Assert.Equal("4", chat.Decode([.. chat.Encode("4"), 298, .. chat.Encode("junk")]));
    }

    [Fact]
    public void Writer_RefusesASpecialTokenOnAByteOrMergeId()
    {
        string path = Path.Combine(Path.GetTempPath(), $"saei-{Guid.NewGuid():N}.json");
        var error = Assert.Throws<ArgumentException>(() =>
            TinyTokenizerJsonWriter.Write(path, new Dictionary<string, int> { ["<|im_end|>"] = 256 }, [("a", "b")])
        );
        Assert.Contains("<|im_end|>", error.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Writer_RefusesAMergeOfSomethingThatIsNotYetAToken()
    {
        string path = Path.Combine(Path.GetTempPath(), $"saei-{Guid.NewGuid():N}.json");
        var error = Assert.Throws<ArgumentException>(() =>
            TinyTokenizerJsonWriter.Write(path, new Dictionary<string, int>(), [("ab", "c")])
        );
        Assert.Contains("\"ab\"", error.Message);
    }
}
