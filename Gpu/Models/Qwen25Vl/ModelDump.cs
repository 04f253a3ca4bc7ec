using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// <c>saei model dump</c>: one reference case (<see cref="ModelCase"/>, format of tests/data/qwen25vl/A/case.json)
/// through a <see cref="Qwen25VlModel"/>, written as the keys of the reference's expected.safetensors (README in
/// tests/data/qwen25vl) so another implementation's numbers can be compared key by key:
/// <code>
/// pixel_values, image_grid_thw                 processor                     [ΣS,C·T·p·p], [I,3]
/// vision.{patch_embed,rotary_pos_emb,window_index,cu_window_seqlens,cu_seqlens,block_out.i}, image_embeds
/// inputs_embeds, position_ids, mrope_position_deltas, text.layer_out.i, text.final_norm, logits     [N,T,…]
/// next_token_logprobs[n,t] = log_softmax(logits[n,t])[ids[n,t+1]]                                   [N,T-1]
/// token_valid_mask = attention_mask; next_token_logprobs_valid = mask[:, :-1]·mask[:, 1:]            [N,T], [N,T-1]
/// gen.tokens, gen.sequences, gen.step_logits, gen.step_last_position_ids   greedy, num_new_tokens steps, no EOS stop
/// grad.entropy_value = Σ_n H(softmax(logits[n,-1]));  grad.entropy_wrt_image.k = ∂ entropy / ∂ image k ([0,1] pixels)
/// </code>
/// Decisions:
/// 1. Every number comes from the model's own code paths: the vision intermediates from
///    <see cref="Qwen25VlVisionModel.ForwardWithIntermediates"/>, the text ones from the model's diagnostic trace, the
///    greedy steps from <see cref="Qwen25VlDecodingSession"/> (or a full forward per step with the cache off). Nothing
///    here re-implements a layer.
/// 2. Images are taken in the case's order (order of appearance of their image tokens), so a row may hold several.
///    A case without images writes no vision or image-gradient keys.
/// 3. gen.step_last_position_ids is get_rope_index over the final sequences at the last input position of each step,
///    the positions HF's recompute uses; the cached session's positions are checked against it by the step logits.
/// 4. Outputs are float32 (floats, whatever the compute dtype) or int64 (integers) on the CPU, as the reference stores.
/// 5. The gradient is taken with autograd.grad w.r.t. the images only: the model's parameters get no .grad.
/// </summary>
public static class ModelDump
{
    /// <summary>Runs the case; the caller disposes the returned tensors (key → float32/int64 CPU tensor).</summary>
    public static SortedDictionary<string, Tensor> Run(Qwen25VlModel model, ModelCase input, bool useKvCache = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        var result = new SortedDictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using (no_grad())
            {
                var (imageEmbeds, grids) = Forward(model, input, result);
                using (imageEmbeds)
                {
                    if (input.NewTokens > 0)
                        Generate(model, input, imageEmbeds, grids, useKvCache, result);
                }
            }
            EntropyGradient(model, input, result);
            return result;
        }
        catch
        {
            foreach (var tensor in result.Values)
                tensor.Dispose();
            throw;
        }
    }

    /// <summary>Writes the dump as one safetensors file (atomically: a failure leaves no file under <paramref
    /// name="path"/>).</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        byte[] bytes = SafetensorsBytes.Write(tensors);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>
    /// The README's fair absolute tolerance for a float32 implementation on <paramref name="key"/> (0 = integers,
    /// exact) and the mask key that says where to compare (text tensors only where the token is real).
    /// </summary>
    public static (double Tolerance, string? ValidKey) ReferenceTolerance(string key, double maxAbsExpected) =>
        key switch
        {
            "pixel_values" => (2e-6, null),
            "vision.rotary_pos_emb" => (1e-5, null),
            "vision.patch_embed" => (1e-4, null),
            _ when key.StartsWith("vision.block_out.", StringComparison.Ordinal) => (1e-4, null),
            "image_embeds" or "inputs_embeds" => (2e-5, null),
            "text.final_norm" or "logits" => (5e-5, "token_valid_mask"),
            _ when key.StartsWith("text.layer_out.", StringComparison.Ordinal) => (5e-5, "token_valid_mask"),
            "next_token_logprobs" => (5e-5, "next_token_logprobs_valid"),
            "gen.step_logits" => (5e-5, null),
            "grad.entropy_value" => (2e-5, null),
            _ when key.StartsWith("grad.entropy_wrt_image.", StringComparison.Ordinal) => (1e-4 * maxAbsExpected, null),
            _ => (0, null),
        };

    /// <summary>
    /// Every difference between a dump and a reference beyond <see cref="ReferenceTolerance"/>, one line per key
    /// (missing key, other shape, max |Δ| over the valid positions); empty when the dump matches.
    /// </summary>
    public static IReadOnlyList<string> Compare(
        IReadOnlyDictionary<string, Tensor> expected,
        IReadOnlyDictionary<string, Tensor> actual
    )
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var problems = new List<string>();
        foreach (var (key, reference) in expected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!actual.TryGetValue(key, out var value))
            {
                problems.Add($"{key}: missing");
                continue;
            }
            if (!value.shape.SequenceEqual(reference.shape))
            {
                problems.Add(
                    $"{key}: shape [{string.Join(",", value.shape)}], expected [{string.Join(",", reference.shape)}]"
                );
                continue;
            }
            using var scope = NewDisposeScope();
            var wanted = reference.to_type(ScalarType.Float64);
            var difference = value.to_type(ScalarType.Float64).sub(wanted).abs();
            var (tolerance, validKey) = ReferenceTolerance(
                key,
                wanted.numel() == 0 ? 0 : wanted.abs().max().item<double>()
            );
            if (validKey is not null && expected.TryGetValue(validKey, out var valid)) // [N,T] over [N,T,…]
                difference = difference.mul(
                    valid
                        .to_type(ScalarType.Float64)
                        .reshape([.. valid.shape, .. Enumerable.Repeat(1L, (int)(difference.dim() - valid.dim()))])
                );
            double largest = difference.numel() == 0 ? 0 : difference.max().item<double>();
            if (!(largest <= tolerance))
                problems.Add(
                    string.Create(
                        System.Globalization.CultureInfo.InvariantCulture,
                        $"{key}: max |Δ| {largest:G4} exceeds {tolerance:G4}"
                    )
                );
        }
        return problems;
    }

    /// <summary>Processor, vision tower and decoder trace → the image embeddings in the parameter dtype and the
    /// grids.</summary>
    private static (Tensor? ImageEmbeds, IReadOnlyList<long[]> Grids) Forward(
        Qwen25VlModel model,
        ModelCase input,
        IDictionary<string, Tensor> result
    )
    {
        using var scope = NewDisposeScope();
        var ids = input.InputIds.to(model.Device); // [N,T]
        var mask = input.AttentionMask.to(model.Device); // [N,T]
        Tensor? imageEmbeds = null;
        IReadOnlyList<long[]> grids = [];
        if (input.Images.Count > 0)
        {
            var (pixelValues, imageGrids) = model.Processor.Preprocess([
                .. input.Images.Select(i => i.to(model.Device)),
            ]); // [ΣS,C·T·p·p]
            grids = imageGrids;
            Put(result, "pixel_values", pixelValues);
            Put(result, "image_grid_thw", Qwen25VlImageProcessor.GridTensor(grids));
            using var vision = model.Visual.ForwardWithIntermediates(pixelValues, grids);
            Put(result, "vision.patch_embed", vision.PatchEmbed);
            Put(result, "vision.rotary_pos_emb", vision.RotaryAngles);
            Put(result, "vision.window_index", tensor(vision.WindowIndex.ToArray(), ScalarType.Int64));
            Put(
                result,
                "vision.cu_window_seqlens",
                tensor(vision.CuWindowSeqlens.Select(v => (long)v).ToArray(), ScalarType.Int64)
            );
            Put(result, "vision.cu_seqlens", tensor(vision.CuSeqlens.Select(v => (long)v).ToArray(), ScalarType.Int64));
            for (int i = 0; i < vision.BlockOutputs.Count; i++)
                Put(result, $"vision.block_out.{i}", vision.BlockOutputs[i]);
            Put(result, "image_embeds", vision.ImageEmbeds);
            // [ΣS/m²,D], as the forward feeds it
            imageEmbeds = vision.ImageEmbeds.to_type(model.ParameterDtype).clone();
        }
        var trace = model.Diagnose(imageEmbeds, grids, ids, mask);
        foreach (var (key, value) in trace)
            Put(result, key, value);

        var logits = trace["logits"]; // [N,T,V] f32
        long t = logits.shape[1];
        var next = ids.narrow(1, 1, t - 1).unsqueeze(-1); // [N,T-1,1]
        // [N,T-1]
        Put(result, "next_token_logprobs", logits.narrow(1, 0, t - 1).log_softmax(-1).gather(-1, next).squeeze(-1));
        Put(result, "token_valid_mask", mask);
        Put(result, "next_token_logprobs_valid", mask.narrow(1, 0, t - 1).mul(mask.narrow(1, 1, t - 1))); // [N,T-1]
        return (imageEmbeds?.MoveToOuterDisposeScope(), grids);
    }

    /// <summary>Greedy decoding of input.NewTokens steps with the KV cache, or a full forward per step without
    /// it.</summary>
    private static void Generate(
        Qwen25VlModel model,
        ModelCase input,
        Tensor? imageEmbeds,
        IReadOnlyList<long[]> grids,
        bool useKvCache,
        IDictionary<string, Tensor> result
    )
    {
        using var scope = NewDisposeScope();
        var ids = input.InputIds.to(model.Device); // [N,T]
        var mask = input.AttentionMask.to(model.Device);
        int steps = input.NewTokens;
        var tokens = new List<Tensor>();
        var stepLogits = new List<Tensor>();
        if (useKvCache)
        {
            using var session = model.StartDecodingWithImageEmbeddings(imageEmbeds, grids, ids, mask, steps);
            var last = session.Prefill(); // [N,V]
            for (int step = 0; step < steps; step++)
            {
                stepLogits.Add(last);
                tokens.Add(last.argmax(-1)); // [N]
                if (step + 1 < steps)
                    last = session.Append(tokens[^1]);
            }
        }
        else
        {
            var sequence = ids;
            var sequenceMask = mask;
            for (int step = 0; step < steps; step++)
            {
                // [N,V]
                var last = model.ForwardWithImageEmbeddings(imageEmbeds, grids, sequence, sequenceMask).select(1, -1);
                stepLogits.Add(last);
                tokens.Add(last.argmax(-1));
                sequence = cat([sequence, tokens[^1].unsqueeze(1)], 1); // [N,T+step+1]
                sequenceMask = cat([sequenceMask, ones_like(tokens[^1]).unsqueeze(1)], 1);
            }
        }
        var generated = stack(tokens, 1); // [N,steps]
        var sequences = cat([ids, generated], 1); // [N,T+steps]
        var fullMask = cat([mask, ones_like(generated)], 1);
        var (positions, _) = RopeIndex.Compute(sequences, fullMask, grids, model.Config); // [3,N,T+steps]
        Put(result, "gen.tokens", generated);
        Put(result, "gen.sequences", sequences);
        Put(result, "gen.step_logits", stack(stepLogits, 1)); // [N,steps,V]
        Put(result, "gen.step_last_position_ids", positions.narrow(2, ids.shape[1] - 1, steps)); // [3,N,steps]
    }

    /// <summary>grad.entropy_value and its gradient w.r.t. each image's [0,1] pixels through processor and
    /// model.</summary>
    private static void EntropyGradient(Qwen25VlModel model, ModelCase input, IDictionary<string, Tensor> result)
    {
        using var scope = NewDisposeScope();
        var ids = input.InputIds.to(model.Device);
        var mask = input.AttentionMask.to(model.Device);
        // each [3,H,W]
        var images = input.Images.Select(i => i.to(model.Device).detach().requires_grad_(true)).ToList();
        Tensor? imageEmbeds = null;
        IReadOnlyList<long[]> grids = [];
        if (images.Count > 0)
        {
            var (pixelValues, imageGrids) = model.Processor.Preprocess(images);
            grids = imageGrids;
            imageEmbeds = model.Visual.Forward(pixelValues, grids).to_type(model.ParameterDtype); // [ΣS/m²,D]
        }
        var last = model.ForwardWithImageEmbeddings(imageEmbeds, grids, ids, mask).select(1, -1); // [N,V] f32
        var entropy = last.softmax(-1).mul(last.log_softmax(-1)).sum().neg(); // Σ_n H_n
        Put(result, "grad.entropy_value", entropy.reshape(1));
        if (images.Count == 0)
            return;
        var gradients = autograd.grad([entropy], images);
        for (int k = 0; k < gradients.Count; k++)
            Put(result, $"grad.entropy_wrt_image.{k}", gradients[k]); // [3,H,W]
    }

    /// <summary>Stores a detached float32/int64 CPU copy that outlives the current dispose scope.</summary>
    private static void Put(IDictionary<string, Tensor> result, string key, Tensor value)
    {
        using var scope = NewDisposeScope();
        var type = value.is_floating_point() ? ScalarType.Float32 : ScalarType.Int64;
        var copy = value.detach().to_type(type).cpu().contiguous().clone();
        if (result.Remove(key, out var previous))
            previous.Dispose();
        result[key] = copy.DetachFromDisposeScope();
    }
}
