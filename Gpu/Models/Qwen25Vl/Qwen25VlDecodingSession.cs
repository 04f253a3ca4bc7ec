using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// KV-cached decoding for <see cref="Qwen25VlModel"/> over left-padded prompts (HF generate with a cache):
/// <code>
/// Prefill:  get_rope_index once → position_ids [3,N,Tp], delta [N];  keys/values of the prompt at [0, Tp)
/// Append:   the token at cache position p (= Tp + steps so far) gets position p + delta_n on all three axes
/// </code>
/// which is exactly what the full forward's get_rope_index gives the appended text tokens (previous max + 1, ...).
/// Decisions:
/// 1. Per layer a preallocated [N,Hkv,Tp+maxNew,d] key and value cache in the parameter dtype, and a key mask
///    [N,Tp+maxNew] (the prompt's attention mask, then 1 for every appended token).
/// 2. The vision tower runs in <see cref="Prefill"/>, not in the constructor (starting a session is free).
/// 3. The session does not own the inputs it was given; it owns its caches.
/// 4. Each layer's cache lives on that layer's device (stage placement); the key mask and rope deltas on the input
///    device. Logits come out on the model's output device.
/// </summary>
public sealed class Qwen25VlDecodingSession : IDecodingSession
{
    private readonly Qwen25VlModel model;
    private readonly Func<(Tensor? Embeds, IReadOnlyList<long[]> Grids)> encodeImages;
    private readonly Tensor inputIds;
    private readonly Tensor attentionMask;
    private readonly long capacity;
    private readonly int? imagesPerRow;
    private readonly List<LayerKvCache> caches = [];
    private Tensor? keyMask;
    private Tensor? deltas;
    private long offset;

    internal Qwen25VlDecodingSession(
        Qwen25VlModel model,
        Func<(Tensor? Embeds, IReadOnlyList<long[]> Grids)> encodeImages,
        Tensor inputIds,
        Tensor attentionMask,
        int maxNewTokens,
        int? imagesPerRow = null
    )
    {
        this.imagesPerRow = imagesPerRow;
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        if (inputIds.dim() != 2 || !attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException(
                $"StartDecoding expects inputIds and attentionMask [N,T]; got [{string.Join(",", inputIds.shape)}] "
                    + $"and [{string.Join(",", attentionMask.shape)}]."
            );
        (this.model, this.encodeImages, this.inputIds, this.attentionMask) = (
            model,
            encodeImages,
            inputIds,
            attentionMask
        );
        capacity = inputIds.shape[1] + maxNewTokens;
    }

    /// <summary>Each row's rope delta [N,1] (mrope_position_deltas), known after <see cref="Prefill"/>.</summary>
    public Tensor? RopeDeltas => deltas;

    /// <summary>Runs the prompts once: logits [N,V] float32 predicting the first new token.</summary>
    public Tensor Prefill()
    {
        if (keyMask is not null)
            throw new InvalidOperationException("Prefill was already called on this decoding session.");
        using var scope = NewDisposeScope();
        var config = model.Config;
        long n = inputIds.shape[0],
            promptLength = inputIds.shape[1];
        for (int i = 0; i < model.LayerCount; i++)
        {
            var device = model.LayerDevice(i); // decision 4
            long[] shape = [n, config.NumKeyValueHeads, capacity, config.HeadDim];
            var keys = zeros(shape, model.ParameterDtype, device).DetachFromDisposeScope();
            var values = zeros(shape, model.ParameterDtype, device).DetachFromDisposeScope();
            caches.Add(new LayerKvCache(keys, values));
        }
        keyMask = zeros([n, capacity], @bool, model.Device).DetachFromDisposeScope();
        keyMask.narrow(1, 0, promptLength).copy_(attentionMask.to_type(@bool));
        var (imageEmbeds, grids) = encodeImages();
        var (hidden, rowDeltas) = model.RunDecoder(
            imageEmbeds,
            grids,
            inputIds,
            attentionMask,
            caches,
            trace: null,
            imagesPerRow
        ); // [N,Tp,D], [N,1]
        deltas = rowDeltas.DetachFromDisposeScope();
        offset = promptLength;
        return model.LogitsOf(hidden.select(1, promptLength - 1)).MoveToOuterDisposeScope(); // [N,V]
    }

    /// <summary>Appends one token per row, tokenIds [N] int64 → logits [N,V] float32 predicting the next one.</summary>
    public Tensor Append(Tensor tokenIds)
    {
        if (keyMask is null || deltas is null)
            throw new InvalidOperationException("Call Prefill before Append.");
        if (offset >= capacity)
            throw new InvalidOperationException(
                $"The KV cache holds {capacity - inputIds.shape[1]} new tokens (maxNewTokens); no room for another."
            );
        long n = inputIds.shape[0];
        if (tokenIds.numel() != n)
            throw new ArgumentException(
                $"Append expects one token per row ([{n}]); got [{string.Join(",", tokenIds.shape)}].",
                nameof(tokenIds)
            );
        using var scope = NewDisposeScope();
        var h = model.EmbedTokens(tokenIds.to(model.Device).view(n, 1)); // [N,1,D]
        keyMask.narrow(1, offset, 1).fill_(Scalars.True);
        var allowed = keyMask.narrow(1, 0, offset + 1).view(n, 1, 1, offset + 1); // [N,1,1,Tk]
        using var cachePosition = offset.ToScalar();
        var positions = deltas.add(cachePosition, Scalars.One).view(1, n, 1).expand(3, n, 1); // [3,N,1]
        var hidden = model.RunText(h, positions, allowed, caches, offset); // [N,1,D]
        offset++;
        return model.LogitsOf(hidden.select(1, 0)).MoveToOuterDisposeScope(); // [N,V]
    }

    public void Dispose()
    {
        foreach (var cache in caches)
            cache.Dispose();
        caches.Clear();
        keyMask?.Dispose();
        deltas?.Dispose();
    }
}
