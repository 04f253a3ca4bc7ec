using System.Globalization;

namespace SaEI.Gpu.Training;

/// <summary>
/// Estimates the peak memory of one RL step per device before a run starts (issue 13, "Memory plan"), from the model
/// config and the run's options alone. Notation: P parameters (Pv vision), b bytes per parameter/activation element
/// (4 float32, 2 bf16), N = B·G rollout rows, Ng = B·(responses per generate call), m micro-batch rows, Tp prompt
/// tokens (text + image placeholders), Tr = max_new_tokens, T = Tp + Tr, L/D/I/H/Hkv/d/V the decoder's layers, width,
/// SwiGLU width, heads, key/value heads, head size and vocabulary, Lv/Dv/Iv/Hv the vision tower's, Np patches per
/// image, W patches a windowed vision block attends within, s the resized image side.
///
/// Held for the whole step (summed):
///   weights            P·b
///   master copy        4P when a float32 master copy is kept beside bf16 weights, else 0
///   gradients          P·b (4P with a master copy: accumulated in float32)
///   adamw moments      8P (two float32 moments)
///   adamw temporaries  8·max tensor (two float32 temporaries of the largest parameter during the update)
///   reference          P·b on the policy's device when the reference is there, else 0
///   rollout images     N·3·s²·4, twice for perturbing methods (clean and sampling image per row)
///   rollout tokens     N·T·16 (ids + mask, int64) + N·Tr·16 (old/ref/current log-probs, entropy, float32)
/// Plus the largest of three phases (they do not overlap):
///   generation  KV cache Ng·T·L·2·Hkv·d·b (Ng = min(generation_batch_rows, B·responses per call)), plus one prefill
///               layer's transient Ng·Tp·(16·H·Tp + 2Tp + (2D+2I)·b) and one vision block's
///               Ng·Np·(Hv·Wmax·(8+b) + (2Dv+2Iv)·b) (no gradient: freed layer by layer)
///   scoring     (old/ref log-probs, no gradient, m rows a chunk) logits m·V·4·(T + 4·Tr) (logits, /temperature,
///               log-softmax, softmax, softmax·z) plus one layer's transient m·T·(16·H·T + 2T + (2D+2I)·b)
///   update      (m rows with gradient) logits m·V·4·(2T + 3Tr) (forward copies and their gradients) plus saved
///               activations: a decoder layer keeps A = m·T·(12D + 2Hkv·d + 4I)·b + Sv (norm inputs and outputs,
///               q/k/v before and after rotary and repeat, context, residuals; gate, up, silu, product) with
///               Sv = m·T²·(H·(4 + b') + 1) the scores autograd keeps (float32 softmax, its bf16 cast b' = b when
///               b &lt; 4 else 0, the bool mask), a vision block Av = m·Np·((12Dv + 4Iv)·b + Hv·W̄·4) with W̄ the mean
///               attended patches; without checkpointing L·A + Lv·Av, with it L·m·T·D·b + Lv·m·Np·Dv·b (block
///               inputs) + A + Av (one block recomputed at a time); plus the current layer's other score tensors
///               C = 16·m·H·T² − Sv.
/// The score terms: one written-out attention holds 16 bytes per score element at its peak: float32 q·kᵀ, ·d^-½,
/// masked, softmax (4 + 4 + 4 + 4); in bf16 three bf16 copies, the float32 copy, the float32 softmax and its bf16 cast
/// (2 + 2 + 2 + 4 + 4 + 2). Masks add 2 bytes per row and key pair (the causal-padding mask and its negation, bool).
/// The estimate is calibrated against measured live bytes of whole steps (MemoryPlanRssTests; the numbers are in the
/// README, "Qwen2.5-VL").
/// Decisions:
/// 1. Rollout generates generation_batch_rows rows at a time (all Ng rows of a call by default;
///    Gpu/Rollout/Generation.cs), so its KV cache and prefill scale with that; setting it is the fix when generation
///    dominates.
/// 2. Attention is written out (not fused), so the T² score terms are real; a fused kernel would remove them.
/// 3. The EgAS attack's forward/backward has the update's shape (m rows with gradient) and is not a separate phase.
/// 4. A reference on another device gets its weights plus the scoring phase there; CPU offload on a CPU run is the
///    same device. The shard plan (stages over several devices) is not modelled: everything else is on the policy's
///    device, an upper bound for a sharded run.
/// 5. Allocator overhead, the runtime (LibTorch, CUDA context) and fragmentation are not counted: the estimate is
///    live tensor bytes over an idle process, and a device's "available" memory should leave room for them. On the
///    CPU, glibc with SaEI's tuning (GlibcAllocator) keeps freed heap resident and later phases do not reuse all of
///    it, so peak RSS exceeds the live bytes (README, "Qwen2.5-VL").
/// </summary>
public static class MemoryPlan
{
    public static MemoryPlanEstimate Estimate(MemoryPlanInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var model = inputs.Model;
        long p = model.Parameters,
            b = inputs.ParameterBytes;
        bool master = inputs.MasterCopy && b < 4;
        var reference =
            inputs.Reference == ReferencePlacement.CpuOffload && inputs.Device == "cpu"
                ? ReferencePlacement.SameDevice
                : inputs.Reference;
        long side = model.InputSideFor(inputs.ImageSide);
        long n = inputs.Rows,
            tr = inputs.MaxNewTokens,
            tp = inputs.PromptTokens,
            t = inputs.SequenceTokens;
        var terms = new List<MemoryTerm>
        {
            new("weights", p * b, "P·b"),
            new("master copy", master ? 4 * p : 0, "4P"),
            new("gradients", p * (master ? 4 : b), master ? "4P" : "P·b"),
            new("adamw moments", 8 * p, "8P"),
            new("adamw temporaries", 8 * model.LargestTensor, "8·max tensor"),
            new("reference", reference == ReferencePlacement.SameDevice ? p * b : 0, "P·b"),
            new("rollout images", (inputs.Perturbs ? 2 : 1) * n * 3 * side * side * 4, "N·3·s²·4"),
            new("rollout tokens", n * t * 16 + n * tr * 16, "N·T·16 + N·Tr·16"),
        };
        var phases = new[] { Generation(inputs), Scoring(inputs, inputs.MicroBatchRows), Update(inputs) };
        terms.AddRange(phases.MaxBy(phase => phase.Sum(term => term.Bytes))!);
        var devices = new List<DeviceMemoryEstimate> { new(inputs.Device, terms) };
        if (reference is ReferencePlacement.OtherDevice or ReferencePlacement.CpuOffload)
        {
            string where = reference == ReferencePlacement.CpuOffload ? "cpu" : OtherDevice(inputs.Device);
            devices.Add(
                new DeviceMemoryEstimate(
                    where,
                    [new MemoryTerm("reference", p * b, "P·b"), .. Scoring(inputs, inputs.MicroBatchRows)]
                )
            );
        }
        return new MemoryPlanEstimate(inputs, devices);
    }

    private static IReadOnlyList<MemoryTerm> Generation(MemoryPlanInputs inputs)
    {
        var model = inputs.Model;
        long b = inputs.ParameterBytes,
            rows = inputs.GenerationRows;
        long tp = inputs.PromptTokens,
            patches = model.PatchesFor(inputs.ImageSide);
        long kv = rows * inputs.SequenceTokens * model.Layers * 2L * model.KeyValueHeads * model.HeadDim * b;
        long prefill =
            rows
            * tp
            * (model.Heads * tp * ScoreChainBytes + 2 * tp + (2L * model.HiddenSize + 2L * model.IntermediateSize) * b);
        long widestWindow =
            model.FullAttentionVisionLayers > 0 || model.VisionWindowPatches is null
                ? patches
                : Math.Min(patches, model.VisionWindowPatches.Value);
        long vision =
            rows
            * patches
            * (
                model.VisionHeads * widestWindow * (8 + b)
                + (2L * model.VisionHiddenSize + 2L * model.VisionIntermediateSize) * b
            );
        return
        [
            new("generation kv cache", kv, "Ng·T·L·2·Hkv·d·b"),
            new("generation prefill", prefill + vision, "Ng·Tp·(16·H·Tp + 2Tp + (2D+2I)·b) + vision block"),
        ];
    }

    private static IReadOnlyList<MemoryTerm> Scoring(MemoryPlanInputs inputs, long m)
    {
        var model = inputs.Model;
        long b = inputs.ParameterBytes,
            t = inputs.SequenceTokens,
            tr = inputs.MaxNewTokens;
        long layer =
            m
            * t
            * (model.Heads * t * ScoreChainBytes + 2 * t + (2L * model.HiddenSize + 2L * model.IntermediateSize) * b);
        return
        [
            new("scoring logits", m * model.VocabSize * 4L * (t + 4 * tr), "m·V·4·(T + 4Tr)"),
            new("scoring layer", layer, "m·T·(16·H·T + 2T + (2D+2I)·b)"),
        ];
    }

    private static IReadOnlyList<MemoryTerm> Update(MemoryPlanInputs inputs)
    {
        var model = inputs.Model;
        long b = inputs.ParameterBytes,
            t = inputs.SequenceTokens,
            tr = inputs.MaxNewTokens,
            m = inputs.MicroBatchRows;
        long patches = model.PatchesFor(inputs.ImageSide);
        long savedScores = m * t * t * (model.Heads * (4 + (b < 4 ? b : 0)) + 1); // softmax (+ its bf16 cast), mask
        long perToken = 12L * model.HiddenSize + 2L * model.KeyValueHeads * model.HeadDim + 4L * model.IntermediateSize;
        long decoderLayer = m * t * perToken * b + savedScores;
        long chainExtra = m * model.Heads * t * t * ScoreChainBytes - savedScores; // this layer's other scores
        long windowed = model.VisionWindowPatches is { } w ? Math.Min(patches, w) : patches;
        long full = model.FullAttentionVisionLayers;
        double meanAttended = (full * patches + (model.VisionLayers - full) * windowed) / (double)model.VisionLayers;
        long visionBlock =
            m * patches * (12L * model.VisionHiddenSize + 4L * model.VisionIntermediateSize) * b
            + (long)(m * patches * model.VisionHeads * meanAttended * 4);
        long activations =
            chainExtra
            + (
                inputs.ActivationCheckpointing
                    ? model.Layers * m * t * model.HiddenSize * b
                        + model.VisionLayers * m * patches * model.VisionHiddenSize * b
                        + decoderLayer
                        + visionBlock
                    : model.Layers * decoderLayer + model.VisionLayers * visionBlock
            );
        return
        [
            new("update logits", m * model.VocabSize * 4L * (2 * t + 3 * tr), "m·V·4·(2T + 3Tr)"),
            new(
                "update activations",
                activations,
                inputs.ActivationCheckpointing ? "L·m·T·D·b + Lv·m·Np·Dv·b + A + Av + C" : "L·A + Lv·Av + C"
            ),
        ];
    }

    /// <summary>Bytes per attention-score element live at once in one written-out attention (decision 2).</summary>
    private const long ScoreChainBytes = 16;

    private static string OtherDevice(string device) =>
        device.StartsWith("cuda", StringComparison.Ordinal) ? (device == "cuda:1" ? "cuda:0" : "cuda:1") : device;

    /// <summary>Bytes in GiB with one decimal (MiB below 1 GiB), invariant culture.</summary>
    public static string Format(long bytes) =>
        bytes >= 1L << 30
            ? (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB"
            : (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}
