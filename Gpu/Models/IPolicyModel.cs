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

    /// <summary>Where inputs go in and logits come out (the first stage's device; all parameters unless
    /// sharded).</summary>
    Device Device { get; }

    /// <summary>
    /// The model's stages in forward order (input embedding and vision tower, each decoder layer, final norm and head)
    /// with their parameter bytes and current device: the units a shard plan assigns to a node's devices.
    /// </summary>
    IReadOnlyList<ModelStage> Stages { get; }

    /// <summary>
    /// Moves stage i to <paramref name="devices"/>[i] (one entry per <see cref="Stages"/> entry). Activations cross
    /// to each stage's device inside the forward; inputs are still given, and logits returned, on <see cref="Device"/>.
    /// Call before creating an optimiser over <see cref="NamedParameters"/> (moving replaces parameter tensors).
    /// </summary>
    void PlaceStages(IReadOnlyList<Device> devices);

    /// <summary>Trainable parameters with Hugging Face-style names, in a stable order.</summary>
    IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> NamedParameters();

    /// <summary>
    /// The size the model's processor resizes an image of size <paramref name="original"/> to (TinyVlm: its fixed
    /// square; Qwen2.5-VL: smart resize). Callers resize the 8-bit image to it before anything else (EgAS, noise).
    /// </summary>
    ImageSize InputSize(ImageSize original);

    /// <summary>The number of image placeholder tokens a prompt needs for an image at <paramref
    /// name="inputSize"/>.</summary>
    int ImageTokenCount(ImageSize inputSize);

    /// <summary>
    /// images: one image per row at its own size (padded pixels [N,3,Hmax,Wmax] in [0,1], float32, plus sizes; the
    /// padding is never read), inputIds [N,T] int64, attentionMask [N,T] int64 (1 = token, 0 = pad; prompts are
    /// left-padded) → logits [N,T,V] float32 predicting the token after each position.
    /// The image placeholder tokens of row n in <paramref name="inputIds"/> are replaced by row n's image features.
    /// </summary>
    Tensor Forward(ImageBatch images, Tensor inputIds, Tensor attentionMask);

    /// <summary>
    /// Recompute each decoder layer (and vision block, where the model has them) in backward instead of keeping its
    /// activations (<see cref="ActivationCheckpoint"/>): less memory for long responses, the same gradients. Default
    /// off.
    /// </summary>
    bool ActivationCheckpointing { get; set; }

    /// <summary>Switches dropout-like behaviour; generation and log-prob passes use eval mode.</summary>
    void SetTraining(bool training);

    /// <summary>
    /// Starts incremental (KV-cached) decoding of the left-padded prompts: the returned session holds the cache
    /// for at most <paramref name="maxNewTokens"/> appended tokens. Call under <c>torch.no_grad()</c>.
    /// Shapes as for <see cref="Forward"/>. The session owns its cache; dispose it when done.
    /// </summary>
    IDecodingSession StartDecoding(ImageBatch images, Tensor inputIds, Tensor attentionMask, int maxNewTokens);

    /// <summary>Writes model.safetensors and config.json into <paramref name="directory"/>.</summary>
    void Save(string directory);
}

/// <summary>
/// A KV cache over a batch of N prompts. Rotary positions continue from each row's own
/// prompt length (left padding), so the logits equal those of a full forward over prompt + appended tokens.
/// Tensors it returns belong to the caller's dispose scope.
/// </summary>
public interface IDecodingSession : IDisposable
{
    /// <summary>Runs the prompt through the model once: logits [N,V] predicting the first new token.</summary>
    Tensor Prefill();

    /// <summary>Appends one token per row, tokenIds [N] int64 → logits [N,V] predicting the next one.</summary>
    Tensor Append(Tensor tokenIds);
}

/// <summary>One stage of a model: its name (parameter-name prefix), parameter bytes and device ("cpu",
/// "cuda:0").</summary>
public sealed record ModelStage(string Name, long ParameterBytes, string Device);

/// <summary>Static facts about a policy model.</summary>
public sealed record PolicyModelInfo(
    string Family,
    int VocabularySize,
    int EndOfSequenceId,
    int PadId,
    long ParameterCount
);

/// <summary>Tokenizer plus the EasyR1 chat template (docs/algorithm.md §6).</summary>
public interface IChatTokenizer
{
    int EndOfSequenceId { get; }
    int PadId { get; }

    /// <summary>Generation ends a row at the first of these (Qwen: &lt;|im_end|&gt; and &lt;|endoftext|&gt;); includes
    /// <see cref="EndOfSequenceId"/>.</summary>
    IReadOnlyList<int> StopIds { get; }

    /// <summary>The image placeholder (<c>&lt;|image_pad|&gt;</c>); a prompt holds one per image token.</summary>
    int ImagePadId { get; }

    /// <summary>Plain text → ids (no special tokens added).</summary>
    int[] Encode(string text);

    /// <summary>Ids → text; special tokens are dropped, the response stops at the first end-of-sequence.</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>Ids → text with every token spelled out, special tokens included, no stop (for prompts,
    /// logs).</summary>
    string DecodeWithSpecialTokens(ReadOnlySpan<int> ids);

    /// <summary>The full prompt ids for a question: chat roles, <paramref name="imageTokenCount"/> image placeholder
    /// tokens (<see cref="IPolicyModel.ImageTokenCount"/> of the prompt's image), the EasyR1 math instruction appended
    /// to <paramref name="problem"/>, and the assistant turn opening.</summary>
    int[] BuildPrompt(string problem, int imageTokenCount);
}
