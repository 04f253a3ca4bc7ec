using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>Issue 12: the special tokens of `saei model init`'s tokenizer sit at the config's ids, each on its own
/// id.</summary>
public sealed class Qwen25VlTinyTokenizerTests
{
    [Fact]
    public void Case_A_ids_are_the_configs_and_the_rest_take_free_ids()
    {
        var config = ReferenceCaseA.Config(); // bos 297, eos 298, vision 288/289, image 290, video 291
        var ids = Qwen25VlTinyTokenizer.SpecialTokenIds(config, "A/config.json");
        Assert.Equal(
            Qwen25VlTinyTokenizer.SpecialTokens.Order(StringComparer.Ordinal),
            ids.Keys.Order(StringComparer.Ordinal)
        );
        Assert.Equal(
            (290, 288, 289, 291, 297, 298),
            (
                ids[QwenChatTokenizer.ImagePad],
                ids[QwenChatTokenizer.VisionStart],
                ids[QwenChatTokenizer.VisionEnd],
                ids["<|video_pad|>"],
                ids[QwenChatTokenizer.EndOfText],
                ids[QwenChatTokenizer.ImEnd]
            )
        );
        Assert.Equal(ids.Count, ids.Values.Distinct().Count());
        Assert.All(ids.Values, id => Assert.InRange(id, 256, config.VocabSize - 1));
        Assert.Equal(299, ids[QwenChatTokenizer.ImStart]); // bos + 1 is free: Qwen's place
    }

    [Fact]
    public void A_base_model_whose_eos_is_its_bos_keeps_turn_end_and_pad_apart_and_no_bos_is_fine()
    {
        var a = ReferenceCaseA.Config();
        var baseModel = Qwen25VlTinyTokenizer.SpecialTokenIds(a with { EosTokenIds = [297] }, "base");
        Assert.Equal(297, baseModel[QwenChatTokenizer.EndOfText]);
        Assert.NotEqual(297, baseModel[QwenChatTokenizer.ImEnd]);
        var noBos = Qwen25VlTinyTokenizer.SpecialTokenIds(a with { BosTokenId = null, EosTokenIds = [] }, "no bos");
        Assert.Equal(noBos.Count, noBos.Values.Distinct().Count());
        Assert.All(noBos.Values, id => Assert.InRange(id, 256, a.VocabSize - 1));
    }

    [Fact]
    public void Ids_among_the_byte_tokens_or_shared_are_refused_naming_the_key()
    {
        var a = ReferenceCaseA.Config();
        var low = Assert.Throws<InvalidDataException>(() =>
            Qwen25VlTinyTokenizer.SpecialTokenIds(a with { ImageTokenId = 100 }, "cfg.json")
        );
        Assert.StartsWith(
            "cfg.json: image_token_id 100 must lie in [256, vocab_size 300)",
            low.Message,
            StringComparison.Ordinal
        );
        var shared = Assert.Throws<InvalidDataException>(() =>
            Qwen25VlTinyTokenizer.SpecialTokenIds(a with { BosTokenId = 290 }, "cfg.json")
        );
        Assert.Contains("bos_token_id and image_token_id are both 290", shared.Message, StringComparison.Ordinal);
    }
}
