using static TorchSharp.torch;

namespace SaEI.Gpu.Models;

/// <summary>
/// The policy contract every trainer, attack and evaluator goes through (TinyVlm on CPU, Qwen2.5-VL on GPU).
/// Images enter as pixels in [0,1]; the model's own preprocessing (normalisation, patching) is part of
/// <see cref="Forward"/> and differentiable, so EgAS can take gradients with respect to the [0,1] pixels.
/// Vocabulary: B prompts, G responses per group, N = rows of a batch, T tokens, V vocabulary, P patches.
/// </summary>
public interface IPolicyModel : IDisposable
{
    /// <summary>Sizes and special tokens.</summary>
    PolicyModelInfo Info { get; }

    /// <summary>The text side: tokenizer and chat template.</summary>
    IChatTokenizer Tokenizer { get; }

    /// <summary>Where the parameters live.</summary>
    Device Device { get; }

    /// <summary>Trainable parameters with Hugging Face-style names, in a stable order.</summary>
    IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> NamedParameters();

    /// <summary>
    /// pixels [N,3,H,W] in [0,1] (float32), inputIds [N,T] int64, attentionMask [N,T] int64 (1 = token, 0 = pad;
    /// prompts are left-padded) → logits [N,T,V] float32 predicting the token after each position.
    /// The image placeholder tokens in <paramref name="inputIds"/> are replaced by projected image features.
    /// </summary>
    Tensor Forward(Tensor pixels, Tensor inputIds, Tensor attentionMask);

    /// <summary>Switches dropout-like behaviour; generation and log-prob passes use eval mode.</summary>
    void SetTraining(bool training);

    /// <summary>Writes model.safetensors and config.json into <paramref name="directory"/>.</summary>
    void Save(string directory);
}

/// <summary>Static facts about a policy model.</summary>
public sealed record PolicyModelInfo(
    string Family,
    int VocabularySize,
    int ImageSize,
    int EndOfSequenceId,
    int PadId,
    long ParameterCount);

/// <summary>Tokenizer plus the EasyR1 chat template (ALGORITHM.md section 6).</summary>
public interface IChatTokenizer
{
    int EndOfSequenceId { get; }
    int PadId { get; }

    /// <summary>Plain text → ids (no special tokens added).</summary>
    int[] Encode(string text);

    /// <summary>Ids → text; special tokens are dropped, the response stops at the first end-of-sequence.</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>The full prompt ids for a question: chat roles, the image placeholder tokens, the EasyR1 math
    /// instruction appended to <paramref name="problem"/>, and the assistant turn opening.</summary>
    int[] BuildPrompt(string problem);
}
