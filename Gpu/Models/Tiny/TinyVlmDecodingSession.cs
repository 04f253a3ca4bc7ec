using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Tiny;

/// <summary>
/// KV-cached decoding for <see cref="TinyVlm"/>: per layer a preallocated [N,Hkv,Tp+maxNew,d] key and value
/// cache, a key mask [N,Tp+maxNew] (prompt mask, then 1 for every appended token) and each row's next rotary
/// position (its count of real tokens so far), exactly as the full forward computes them from the mask. Each layer's
/// cache lives on that layer's device (sharded models).
/// </summary>
internal sealed class TinyVlmDecodingSession : IDecodingSession
{
    private readonly TinyVlm model;
    private readonly ImageBatch images;
    private readonly Tensor inputIds;
    private readonly Tensor attentionMask;
    private readonly long capacity;
    private readonly List<LayerKvCache> caches = [];
    private Tensor? keyMask;
    private Tensor? nextPosition;
    private long offset;

    public TinyVlmDecodingSession(
        TinyVlm model,
        ImageBatch images,
        Tensor inputIds,
        Tensor attentionMask,
        int maxNewTokens
    )
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        ArgumentNullException.ThrowIfNull(images);
        if (
            inputIds.dim() != 2
            || !attentionMask.shape.SequenceEqual(inputIds.shape)
            || images.Count != inputIds.shape[0]
        )
            throw new ArgumentException(
                $"StartDecoding expects images of N rows, inputIds [N,T] and attentionMask [N,T]; got {images.Count} "
                    + $"images, [{string.Join(",", inputIds.shape)}], [{string.Join(",", attentionMask.shape)}]."
            );
        (this.model, this.images, this.inputIds, this.attentionMask) = (model, images, inputIds, attentionMask);
        capacity = inputIds.shape[1] + maxNewTokens;
    }

    public Tensor Prefill()
    {
        if (keyMask is not null)
            throw new InvalidOperationException("Prefill was already called on this decoding session.");
        using var scope = NewDisposeScope();
        var config = model.Config;
        long n = inputIds.shape[0],
            promptLength = inputIds.shape[1];
        var dtype = model.ParameterDtype;
        for (int i = 0; i < model.LayerCount; i++)
        {
            var device = model.LayerDevice(i);
            var keys = zeros([n, config.KeyValueHeads, capacity, config.HeadDim], dtype, device)
                .DetachFromDisposeScope();
            var values = zeros([n, config.KeyValueHeads, capacity, config.HeadDim], dtype, device)
                .DetachFromDisposeScope();
            caches.Add(new LayerKvCache(keys, values));
        }
        keyMask = zeros([n, capacity], @bool, model.Device).DetachFromDisposeScope();
        keyMask.narrow(1, 0, promptLength).copy_(attentionMask.to_type(@bool));
        nextPosition = attentionMask.to_type(int64).sum(1).DetachFromDisposeScope(); // [N]
        var hidden = model.RunDecoder(images, inputIds, attentionMask, caches); // [N,Tp,D]
        offset = promptLength;
        return model.LogitsOf(hidden.select(1, promptLength - 1)).MoveToOuterDisposeScope(); // [N,V]
    }

    public Tensor Append(Tensor tokenIds)
    {
        if (keyMask is null || nextPosition is null)
            throw new InvalidOperationException("Call Prefill before Append.");
        if (offset >= capacity)
            throw new InvalidOperationException(
                $"The KV cache holds {capacity - inputIds.shape[1]} new tokens (maxNewTokens); no room for another."
            );
        using var scope = NewDisposeScope();
        long n = inputIds.shape[0];
        var h = model.EmbedTokens(tokenIds.view(n, 1)); // [N,1,D]
        keyMask.narrow(1, offset, 1).fill_(Scalars.True);
        var allowed = keyMask.narrow(1, 0, offset + 1).view(n, 1, 1, offset + 1); // [N,1,1,Tk]
        var hidden = model.RunText(h, nextPosition.view(n, 1), allowed, caches, offset); // [N,1,D]
        offset++;
        nextPosition.add_(Scalars.One, Scalars.One);
        return model.LogitsOf(hidden.select(1, 0)).MoveToOuterDisposeScope(); // [N,V]
    }

    public void Dispose()
    {
        foreach (var cache in caches)
            cache.Dispose();
        caches.Clear();
        keyMask?.Dispose();
        nextPosition?.Dispose();
    }
}
