using System.Text.Json;
using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Tests.Tokenization;

/// <summary>
/// <see cref="QwenTokenizer"/> and <see cref="QwenChatTokenizer"/> on the real Qwen tokenizer.json: the Qwen2.5
/// layout, Hugging Face's documented ids, golden ids from a code-point-exact reference (tests/data/qwen-tokenizer),
/// round trips and decoding rules.
/// </summary>
public sealed class QwenTokenizerTests
{
    // docs/qwen25vl.md §1.6: Qwen2.5-VL's added tokens; false = an added word, not special.
    private static readonly (int Id, string Content, bool Special)[] Qwen25AddedTokens =
    [
        (151643, "<|endoftext|>", true),
        (151644, "<|im_start|>", true),
        (151645, "<|im_end|>", true),
        (151646, "<|object_ref_start|>", true),
        (151647, "<|object_ref_end|>", true),
        (151648, "<|box_start|>", true),
        (151649, "<|box_end|>", true),
        (151650, "<|quad_start|>", true),
        (151651, "<|quad_end|>", true),
        (151652, "<|vision_start|>", true),
        (151653, "<|vision_end|>", true),
        (151654, "<|vision_pad|>", true),
        (151655, "<|image_pad|>", true),
        (151656, "<|video_pad|>", true),
        (151657, "<tool_call>", false),
        (151658, "</tool_call>", false),
        (151659, "<|fim_prefix|>", false),
        (151660, "<|fim_middle|>", false),
        (151661, "<|fim_suffix|>", false),
        (151662, "<|fim_pad|>", false),
        (151663, "<|repo_name|>", false),
        (151664, "<|file_sep|>", false),
    ];

    private static QwenChatTokenizer Chat => RealQwenTokenizer.Chat;

    [Fact]
    public void RealFile_HasQwen25Vocabulary()
    {
        var file = TokenizerJsonFile.Read(RealQwenTokenizer.File);
        Assert.Equal(151643, file.Vocabulary.Count);
        Assert.Equal(151642, file.Vocabulary.Values.Max());
        Assert.Equal(151387, file.Merges.Count);
        foreach (var (id, content, special) in Qwen25AddedTokens)
            Assert.Contains(new AddedToken(id, content, special), file.AddedTokens);
        // Anything beyond the Qwen2.5 set is a Qwen3 addition above it.
        Assert.All(
            file.AddedTokens.Where(t => !Qwen25AddedTokens.Any(q => q.Id == t.Id)),
            t => Assert.True(t.Id > 151664, t.Content)
        );
    }

    [Fact]
    public void ChatTokenizer_LooksUpItsIdsByContent()
    {
        Assert.Equal(151645, Chat.EndOfSequenceId);
        Assert.Equal(151643, Chat.PadId);
        Assert.Equal(151655, Chat.ImagePadId);
        Assert.Equal([151645, 151643], Chat.StopIds);
    }

    [Fact]
    public void HelloWorld_IsTheIdsOfHuggingFacesDocstring() => Assert.Equal([9707, 1879], Chat.Encode("Hello world"));

    [Fact]
    public void EasyR1Prompt_EncodesToTheReferencePrefix_WithTheImageExpandedAndTheAssistantTurnOpen()
    {
        int[] prompt = Chat.BuildPrompt("Find the area of the triangle.", imageTokenCount: 5);

        int[] prefix =
        [
            151644,
            8948,
            198,
            2610,
            525,
            264,
            10950,
            17847,
            13,
            151645,
            198,
            151644,
            872,
            198,
            151652,
            151655,
        ];
        Assert.Equal(prefix, prompt[..prefix.Length]);
        int firstPad = Array.IndexOf(prompt, 151655);
        Assert.Equal(Enumerable.Repeat(151655, 5), prompt[firstPad..(firstPad + 5)]);
        Assert.Equal(151653, prompt[firstPad + 5]);
        Assert.Equal(5, prompt.Count(id => id == 151655));
        Assert.Equal([151645, 198, 151644, 77091, 198], prompt[^5..]); // <|im_end|>\n<|im_start|>assistant\n
        Assert.Equal(EasyR1Prompt.Render("Find the area of the triangle.", 5), Chat.DecodeWithSpecialTokens(prompt));
    }

    [Fact]
    public void BuildPrompt_RefusesAProblemThatSpellsTheImagePad()
    {
        var error = Assert.Throws<ArgumentException>(() => Chat.BuildPrompt("look: <|image_pad|>", 4));
        Assert.Contains("<|image_pad|>", error.Message);
    }

    public static TheoryData<string, int[]> GoldenCases()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RealQwenTokenizer.Data("golden.json")));
        var data = new TheoryData<string, int[]>();
        foreach (var item in document.RootElement.GetProperty("cases").EnumerateArray())
            data.Add(
                item.GetProperty("text").GetString()!,
                [.. item.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32())]
            );
        return data;
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void Encode_MatchesTheCodePointReference(string text, int[] expected) =>
        Assert.Equal(expected, Chat.Encode(text));

    [Theory]
    [InlineData("\\frac{a+b}{2} \\geq \\sqrt{ab}, \\quad \\sum_{i=1}^{n} i^2 = \\frac{n(n+1)(2n+1)}{6}")]
    [InlineData("三角形ABC中，∠A=60°，求BC的长度。")]
    [InlineData("emoji 😀👍🏽👨‍👩‍👧 and 🇯🇵, astral 𝑥𝟏𠀀")]
    [InlineData("   leading, trailing   \t\t and   runs    ")]
    [InlineData("a\n\nb\r\n\r\nc\n")]
    [InlineData("for (int i = 0; i < n; i++) {\n    sum += a[i] * 2;\n}\n")]
    [InlineData("0123456789 3.14159265358979 1,000,000")]
    [InlineData("<think> x </think> \\boxed{7}")]
    public void DecodeOfEncode_ReturnsTheText(string text) =>
        Assert.Equal(text, Chat.DecodeWithSpecialTokens(Chat.Encode(text)));

    [Fact]
    public void Encode_NormalisesToNfc_SoDecomposedAndComposedFormsGiveOneId()
    {
        Assert.Equal(Chat.Encode("caf\u00E9"), Chat.Encode("cafe\u0301"));
        Assert.Equal("caf\u00E9", Chat.Decode(Chat.Encode("cafe\u0301")));
    }

    [Fact]
    public void SpecialTokensInText_BecomeSingleIds()
    {
        int[] ids = Chat.Encode("x<|im_end|>y<|endoftext|><|vision_start|><|image_pad|>");
        Assert.Equal([Chat.Encode("x")[0], 151645, Chat.Encode("y")[0], 151643, 151652, 151655], ids);
    }

    [Fact]
    public void Decode_StopsAtTheEndOfTheTurnAndDropsSpecialTokens_ButKeepsAddedWords()
    {
        int[] response =
        [
            .. Chat.Encode("<|box_start|>so <tool_call>x</tool_call> is 4"),
            151645,
            .. Chat.Encode(" ignored"),
        ];

        Assert.Equal("so <tool_call>x</tool_call> is 4", Chat.Decode(response));
        Assert.Equal("a", Chat.Decode([.. Chat.Encode("a"), 151643, .. Chat.Encode("b")]));
        Assert.Equal(
            "<|box_start|>so <tool_call>x</tool_call> is 4<|im_end|> ignored",
            Chat.DecodeWithSpecialTokens(response)
        );
    }

    [Fact]
    public void Decode_OfHalfACharacter_GivesTheReplacementCharacter()
    {
        int[] ids = Chat.Encode("😀");
        Assert.True(ids.Length > 1 || Chat.Encode("𠀀").Length > 1);
        int[] split = ids.Length > 1 ? ids : Chat.Encode("𠀀");
        Assert.Equal("\uFFFD", Chat.Decode(split[..1]));
    }

    [Fact]
    public void Decode_OfAnIdTheVocabularyLacks_GivesNothing_AsHuggingFaceDoes()
    {
        // The 7B's embedding has padded rows past the last token; a sampled padded id must not end a run.
        Assert.Equal(
            Chat.Decode(Chat.Encode("a b")),
            Chat.Decode([.. Chat.Encode("a"), 999_999, .. Chat.Encode(" b"), -1])
        );
    }
}
