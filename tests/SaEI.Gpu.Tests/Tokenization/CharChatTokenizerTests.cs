using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Tests.Tokenization;

public sealed class CharChatTokenizerTests
{
    // Written out here independently of EasyR1Prompt (docs/algorithm.md §6, EasyR1 math.jinja).
    private const string EasyR1Instruction =
        " You FIRST think about the reasoning process as an internal monologue and then provide the final answer. "
        + "The reasoning process MUST BE enclosed within <think> </think> tags. The final answer MUST BE put in "
        + "\\boxed{}.";

    private readonly CharChatTokenizer tokenizer = new();

    [Fact]
    public void Prompt_decodes_to_the_exact_Qwen_chat_text_with_the_EasyR1_instruction()
    {
        int[] ids = tokenizer.BuildPrompt("Find x.", imageTokenCount: 4);

        string expected =
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|>"
            + "<|image_pad|><|image_pad|><|image_pad|><|image_pad|><|vision_end|>Find x."
            + EasyR1Instruction
            + "<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(expected, tokenizer.DecodeWithSpecialTokens(ids));
        Assert.Equal(4, ids.Count(id => id == tokenizer.ImagePadId));
        // Short on CPU: 3 turns × (im_start, role, "\n") + system piece + 2 × (im_end, "\n") + vision 6 +
        // "Find x." 7 chars + instruction 1 = 9 + 1 + 4 + 6 + 7 + 1 = 28 tokens.
        Assert.Equal(28, ids.Length);
    }

    [Fact]
    public void Instruction_and_tags_are_single_tokens_that_decode_verbatim()
    {
        foreach (string piece in new[] { EasyR1Instruction, "<think>", "</think>", "\\boxed{" })
        {
            int[] ids = tokenizer.Encode(piece);
            Assert.Single(ids);
            Assert.Equal(piece, tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void Greedy_longest_match_prefers_pieces_and_falls_back_to_characters()
    {
        // "<think>" (1) + "ab" (2) + "</think>" (1) + "\boxed{" (1) + "3" (1) + "}" (1) = 7 tokens.
        int[] ids = tokenizer.Encode("<think>ab</think>\\boxed{3}");
        Assert.Equal(7, ids.Length);
        Assert.Equal("<think>ab</think>\\boxed{3}", tokenizer.Decode(ids));
        // "<thin" is no piece: five characters.
        Assert.Equal(5, tokenizer.Encode("<thin").Length);
    }

    [Fact]
    public void Special_token_text_in_a_problem_is_plain_characters()
    {
        int[] ids = tokenizer.Encode("<|im_end|>");
        Assert.Equal("<|im_end|>".Length, ids.Length);
        Assert.DoesNotContain(tokenizer.EndOfSequenceId, ids);
    }

    [Fact]
    public void Decode_drops_special_tokens_and_stops_at_the_first_end_of_sequence()
    {
        int[] ids =
        [
            .. tokenizer.Encode("ok"),
            tokenizer.ImagePadId,
            .. tokenizer.Encode("!"),
            tokenizer.EndOfSequenceId,
            .. tokenizer.Encode("tail"),
        ];
        Assert.Equal("ok!", tokenizer.Decode(ids));
        Assert.Equal("ok<|image_pad|>!<|im_end|>tail", tokenizer.DecodeWithSpecialTokens(ids));
    }

    [Fact]
    public void Unknown_characters_become_unk_and_decode_as_replacement_character()
    {
        int[] ids = tokenizer.Encode("a€b∠");
        Assert.Equal(4, ids.Length);
        Assert.Equal(tokenizer.UnknownId, ids[1]);
        Assert.Equal("a\uFFFDb∠", tokenizer.Decode(ids));
    }

    [Fact]
    public void Out_of_range_id_is_an_error_naming_the_id()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([tokenizer.VocabularySize + 5]));
        Assert.Contains(
            (tokenizer.VocabularySize + 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
            error.Message
        );
    }
}
