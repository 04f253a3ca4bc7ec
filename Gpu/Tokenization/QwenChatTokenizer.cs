namespace SaEI.Gpu.Tokenization;

/// <summary>
/// The chat side of <see cref="QwenTokenizer"/> for a Qwen2.5-VL policy: the EasyR1 math prompt in Qwen's chat
/// template (<see cref="EasyR1Prompt.Render"/>, docs/qwen25vl.md §1.6) with the image placeholder expanded to the
/// image's token count, and response decoding that stops at the end of the turn.
/// Decisions:
/// 1. Every special-token id is looked up by its content in the tokenizer file; a file without one of them is an
///    error naming the file and the token (the integrator checks the ids against config.json).
/// 2. The prompt is encoded as one rendered string, exactly as EasyR1 / HF <c>processor(text=…)</c> do, so special
///    tokens spelled inside a problem are matched as tokens there too. A problem that spells
///    <c>&lt;|image_pad|&gt;</c> would change the image token count and is refused.
/// 3. <see cref="Decode"/> stops at the first &lt;|im_end|&gt; (EOS of the Instruct model) or &lt;|endoftext|&gt; (pad,
///    EOS of the base model) — <see cref="StopIds"/> — and drops the tokens flagged special.
/// </summary>
public sealed class QwenChatTokenizer : Models.IChatTokenizer
{
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";
    public const string EndOfText = "<|endoftext|>";
    public const string VisionStart = "<|vision_start|>";
    public const string VisionEnd = "<|vision_end|>";
    public const string ImagePad = "<|image_pad|>";

    private readonly HashSet<int> stopIds;

    public QwenChatTokenizer(QwenTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        Tokenizer = tokenizer;
        EndOfSequenceId = Require(ImEnd);
        PadId = Require(EndOfText);
        ImagePadId = Require(ImagePad);
        foreach (string content in (string[])[ImStart, VisionStart, VisionEnd])
            Require(content);
        StopIds = [EndOfSequenceId, PadId];
        stopIds = [.. StopIds];
    }

    /// <summary>Loads tokenizer.json (a file, or a model folder that holds it).</summary>
    public static QwenChatTokenizer Load(string fileOrDirectory) => new(QwenTokenizer.Load(fileOrDirectory));

    /// <summary>The text tokenizer underneath.</summary>
    public QwenTokenizer Tokenizer { get; }

    /// <summary>&lt;|im_end|&gt;: ends the assistant turn (Qwen2.5-VL-Instruct's eos_token).</summary>
    public int EndOfSequenceId { get; }

    /// <summary>&lt;|endoftext|&gt;: Qwen's pad_token.</summary>
    public int PadId { get; }

    /// <summary>&lt;|image_pad|&gt;: a prompt holds one per image token.</summary>
    public int ImagePadId { get; }

    /// <summary>Generation stops at any of these: &lt;|im_end|&gt;, &lt;|endoftext|&gt;.</summary>
    public IReadOnlyList<int> StopIds { get; }

    /// <summary>Plain text → ids (no special tokens added; those spelled in the text are matched).</summary>
    public int[] Encode(string text) => Tokenizer.Encode(text);

    /// <summary>A response → text: stops at the first stop id, drops special tokens.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        int end = 0;
        while (end < ids.Length && !stopIds.Contains(ids[end]))
            end++;
        return Tokenizer.Decode(ids[..end], skipSpecialTokens: true);
    }

    /// <summary>Every token spelled out, special tokens included, no stop (for prompts and logs).</summary>
    public string DecodeWithSpecialTokens(ReadOnlySpan<int> ids) => Tokenizer.Decode(ids, skipSpecialTokens: false);

    /// <summary>
    /// The EasyR1 prompt ids for <paramref name="problem"/>: system turn, user turn with the vision block holding
    /// <paramref name="imageTokenCount"/> image pads (the image's merged patch count) then the problem and the
    /// instruction, and the opened assistant turn.
    /// </summary>
    public int[] BuildPrompt(string problem, int imageTokenCount)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageTokenCount, 1);
        if (problem.Contains(ImagePad, StringComparison.Ordinal))
            throw new ArgumentException(
                $"The problem text spells {ImagePad}, which would add image tokens; remove it from the data set row.",
                nameof(problem)
            );
        return Encode(EasyR1Prompt.Render(problem, imageTokenCount));
    }

    private int Require(string content) =>
        Tokenizer.TryGetAddedTokenId(content, out int id)
            ? id
            : throw new InvalidDataException(
                $"{Tokenizer.Source}: 'added_tokens' has no {content}; a Qwen2.5-VL tokenizer.json lists it "
                    + $"(docs/qwen25vl.md §1.6)."
            );
}
