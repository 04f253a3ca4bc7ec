namespace SaEI.Gpu.Tokenization;

/// <summary>
/// The EasyR1 math prompt (docs/algorithm.md §6, EasyR1 <c>math.jinja</c>) inside the Qwen2.5-VL chat template
/// (docs/qwen25vl.md §1.6): the default system turn, a user turn with the image then the question plus the
/// instruction, and the opened assistant turn.
/// </summary>
public static class EasyR1Prompt
{
    /// <summary>Appended verbatim to every problem (leading space included).</summary>
    public const string Instruction =
        " You FIRST think about the reasoning process as an internal monologue and then provide the final answer."
        + " The reasoning process MUST BE enclosed within <think> </think> tags. The final answer MUST BE put in "
        + "\\boxed{}.";

    /// <summary>Qwen2.5-VL's default system message.</summary>
    public const string SystemMessage = "You are a helpful assistant.";

    /// <summary>The full prompt text, special tokens spelled out, with <paramref name="imageTokenCount"/> image
    /// pads.</summary>
    public static string Render(string problem, int imageTokenCount) =>
        "<|im_start|>system\n"
        + SystemMessage
        + "<|im_end|>\n"
        + "<|im_start|>user\n<|vision_start|>"
        + string.Concat(Enumerable.Repeat("<|image_pad|>", imageTokenCount))
        + "<|vision_end|>"
        + problem
        + Instruction
        + "<|im_end|>\n"
        + "<|im_start|>assistant\n";
}
