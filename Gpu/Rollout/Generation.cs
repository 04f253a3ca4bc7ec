using SaEI.Gpu.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Rollout;

/// <summary>
/// Batched sampling of G responses for each of B prompts (docs/algorithm.md §1.1): the prompts are repeated
/// G times (row n = b·G + g), decoded together with a KV cache (or, for tests and benchmarks, by recomputing the
/// whole sequence every step), each row stopping at its first stop token (<see cref="IChatTokenizer.StopIds"/>).
/// Decisions:
/// 1. Randomness comes only from the caller's (CPU) <see cref="Generator"/>, one draw over all N rows per step
///    (<see cref="TokenSampler"/>: multinomial on CPU, N uniforms moved to the device off CPU), so the same
///    generator state gives the same samples in both paths. To checkpoint a trainer, save
///    <c>generator.get_state()</c> (a uint8 tensor: <c>.data&lt;byte&gt;().ToArray()</c>) and restore it with
///    <c>generator.set_state(torch.tensor(bytes))</c>; draws then continue exactly where they stopped.
/// 2. A finished row keeps being fed pad tokens (mask 0, log-prob 0) until every row has stopped or
///    MaxNewTokens is reached; appended tokens are always attended to, in both paths alike.
/// 3. Runs under no_grad and does not change the model's training mode (callers put the model in eval mode).
/// 4. Per token on a GPU, this loop moves only two things across devices: the sampler's N uniforms (host → device) and
///    the all-rows-finished flag (<c>item&lt;bool&gt;()</c>, one device → host sync for the stop check); tokens, masks
///    and log-probs stay on the model's device until the caller reads the batch. A model placed over several devices
///    returns logits on its output device; only the sampled tokens and their log-probs ([N] each) come back.
/// 5. Micro-batched generation (<see cref="GenerationOptions.BatchRows"/> = c &gt; 0, spec key generation_batch_rows):
///    rows 0..c−1 are decoded to the end, then rows c..2c−1, and so on, so the KV cache and the prefill hold c rows,
///    not N. Each chunk stops on its own (all its rows finished or MaxNewTokens) and shorter chunks are right-padded
///    (pad, mask 0, log-prob 0), so Tr is the same as unchunked. Random stream: each decoding step draws for the
///    chunk's rows only, chunk after chunk, so the samples are reproducible for a given c but differ from another c;
///    c ≥ N (or 0, the default) is exactly the unchunked stream.
/// </summary>
public static class Generation
{
    /// <summary>Samples with a KV cache (<paramref name="useKvCache"/> = true) or by full recompute.</summary>
    public static RolloutBatch Generate(
        IPolicyModel model,
        PromptBatch prompts,
        GenerationOptions options,
        Generator generator,
        bool useKvCache = true
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(generator);
        options.Validate();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int groupSize = options.ResponsesPerPrompt;
        var images = prompts.Images.To(model.Device).RepeatInterleave(groupSize); // [N,3,Hmax,Wmax]
        var promptIds = prompts.InputIds.to(model.Device).repeat_interleave(groupSize, 0); // [N,Tp]
        var promptMask = prompts.AttentionMask.to(model.Device).repeat_interleave(groupSize, 0); // [N,Tp]
        long rows = promptIds.shape[0];
        long chunkRows = options.BatchRows > 0 ? Math.Min(options.BatchRows, rows) : rows;
        var chunks = new List<Responses>();
        for (long start = 0; start < rows; start += chunkRows) // decision 5
        {
            long length = Math.Min(chunkRows, rows - start);
            using var chunkScope = NewDisposeScope();
            var chunkImages = images.Narrow(start, length);
            var chunkIds = promptIds.narrow(0, start, length);
            var chunkMask = promptMask.narrow(0, start, length);
            var steps = useKvCache
                ? DecodeCached(model, chunkImages, chunkIds, chunkMask, options, generator)
                : DecodeRecomputed(model, chunkImages, chunkIds, chunkMask, options, generator);
            chunks.Add(
                new Responses(
                    stack(steps.Tokens, 1).MoveToOuterDisposeScope(), // [n,Tr_chunk]
                    stack(steps.Active, 1).to_type(int64).MoveToOuterDisposeScope(), // [n,Tr_chunk]
                    stack(steps.LogProbs, 1).MoveToOuterDisposeScope()
                )
            ); // [n,Tr_chunk]
        }
        var responses = Responses.Cat(chunks, model.Tokenizer.PadId); // [N,Tr]
        return new RolloutBatch(
            groupSize,
            new ImageBatch(images.Pixels.MoveToOuterDisposeScope(), images.Sizes),
            promptIds.MoveToOuterDisposeScope(),
            promptMask.MoveToOuterDisposeScope(),
            responses.Tokens.MoveToOuterDisposeScope(),
            responses.Active.MoveToOuterDisposeScope(),
            responses.LogProbs.MoveToOuterDisposeScope()
        );
    }

    /// <summary>Tokens, mask (int64) and log-probs [n,Tr] of some rows.</summary>
    private sealed record Responses(Tensor Tokens, Tensor Active, Tensor LogProbs)
    {
        /// <summary>Chunks stacked by rows, each right-padded to the longest (pad id, mask 0, log-prob 0).</summary>
        public static Responses Cat(IReadOnlyList<Responses> chunks, long padId)
        {
            if (chunks.Count == 1)
                return chunks[0];
            long length = chunks.Max(c => c.Tokens.shape[1]);
            Tensor Padded(Tensor t, double value) =>
                t.shape[1] == length ? t : nn.functional.pad(t, [0, length - t.shape[1]], PaddingModes.Constant, value);
            return new Responses(
                cat(chunks.Select(c => Padded(c.Tokens, padId)).ToList(), 0),
                cat(chunks.Select(c => Padded(c.Active, 0)).ToList(), 0),
                cat(chunks.Select(c => Padded(c.LogProbs, 0)).ToList(), 0)
            );
        }
    }

    private static StepRecord DecodeCached(
        IPolicyModel model,
        ImageBatch images,
        Tensor promptIds,
        Tensor promptMask,
        GenerationOptions options,
        Generator generator
    )
    {
        using var session = model.StartDecoding(images, promptIds, promptMask, options.MaxNewTokens);
        var record = new StepRecord(promptIds.shape[0], promptIds.device);
        var logits = session.Prefill(); // [N,V]
        for (int step = 0; ; step++)
        {
            var tokens = record.Add(logits, model.Tokenizer, options, generator); // [N]
            logits.Dispose();
            if (record.AllFinished || step + 1 == options.MaxNewTokens)
                return record;
            logits = session.Append(tokens);
        }
    }

    private static StepRecord DecodeRecomputed(
        IPolicyModel model,
        ImageBatch images,
        Tensor promptIds,
        Tensor promptMask,
        GenerationOptions options,
        Generator generator
    )
    {
        var record = new StepRecord(promptIds.shape[0], promptIds.device);
        for (int step = 0; ; step++)
        {
            Tensor logits;
            using (var stepScope = NewDisposeScope())
            {
                var ids = step == 0 ? promptIds : cat([promptIds, stack(record.Tokens, 1)], 1); // [N,Tp+t]
                var mask = step == 0 ? promptMask : cat([promptMask, ones_like(stack(record.Tokens, 1))], 1);
                logits = model.Forward(images, ids, mask).select(1, -1).MoveToOuterDisposeScope(); // [N,V]
            }
            record.Add(logits, model.Tokenizer, options, generator);
            logits.Dispose();
            if (record.AllFinished || step + 1 == options.MaxNewTokens)
                return record;
        }
    }

    /// <summary>The per-step tokens, activity (mask) and log-probs, and which rows have emitted EOS.</summary>
    private sealed class StepRecord(long rows, Device device)
    {
        private Tensor finished = zeros(rows, @bool, device);

        public List<Tensor> Tokens { get; } = [];
        public List<Tensor> Active { get; } = [];
        public List<Tensor> LogProbs { get; } = [];
        public bool AllFinished { get; private set; }

        /// <summary>Samples one token per row; rows already finished get the pad token. Returns tokens [N].</summary>
        public Tensor Add(Tensor logits, IChatTokenizer tokenizer, GenerationOptions options, Generator generator)
        {
            var (sampled, logProbs) = TokenSampler.Sample(logits, options.Temperature, options.TopP, generator);
            if (sampled.device.ToString() != finished.device.ToString()) // decision 4
                (sampled, logProbs) = (sampled.to(finished.device), logProbs.to(finished.device));
            var active = finished.logical_not(); // [N]
            var tokens = where(active, sampled, tokenizer.PadId); // [N]
            Tokens.Add(tokens);
            Active.Add(active);
            LogProbs.Add(where(active, logProbs, 0.0f));
            var stopped = zeros_like(active); // [N] any stop id
            foreach (int stopId in tokenizer.StopIds)
            {
                using var stop = stopId.ToScalar();
                stopped = stopped.logical_or(tokens.eq(stop));
            }
            finished = finished.logical_or(active.logical_and(stopped));
            AllFinished = finished.all().item<bool>();
            return tokens;
        }
    }
}
