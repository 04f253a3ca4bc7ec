using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>Qwen2.5-VL models for the tests: case A's weights loaded by name, small random configs, greedy
/// decoding.</summary>
internal static class Qwen25VlTestModels
{
    /// <summary>Case A's model with the weights of model.safetensors (<c>model.*</c>, <c>lm_head.weight</c>) in
    /// <paramref name="dtype"/>.</summary>
    public static Qwen25VlModel CaseA(ScalarType dtype)
    {
        TorchRuntime.Initialize(1);
        var model = new Qwen25VlModel(ReferenceCaseA.Config(), dtype);
        var weights = ReferenceCaseA.Weights();
        try
        {
            LoadByName(model, weights);
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }
        model.eval();
        return model;
    }

    /// <summary>
    /// Copies every parameter of <paramref name="model"/> from the tensor of the same name (converting dtype); a
    /// missing or misshapen tensor, or a text/lm_head tensor the model lacks, fails (<c>visual.*</c> tensors the model
    /// lacks are tolerated for text-only test models).
    /// </summary>
    public static void LoadByName(Qwen25VlModel model, IReadOnlyDictionary<string, Tensor> weights)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
        {
            foreach (var (name, parameter) in parameters)
            {
                Assert.True(weights.TryGetValue(name, out var source), $"model.safetensors has no tensor '{name}'.");
                Assert.Equal(parameter.shape, source!.shape);
                parameter.copy_(source);
            }
        }
        var unexpected = weights
            .Keys.Where(k => !k.StartsWith("visual.", StringComparison.Ordinal) && !parameters.ContainsKey(k))
            .ToList();
        Assert.True(unexpected.Count == 0, $"Tensors the model lacks: {string.Join(", ", unexpected)}.");
    }

    /// <summary>
    /// A small config with case A's ids and vision sizes; <paramref name="heads"/>·head_dim = hidden and
    /// sum(mrope) = head_dim/2.
    /// </summary>
    public static Qwen25VlConfig SmallConfig(
        int hidden,
        int heads,
        int keyValueHeads,
        int layers,
        int[] mrope,
        bool tied
    )
    {
        var a = ReferenceCaseA.Config();
        return a with
        {
            HiddenSize = hidden,
            NumAttentionHeads = heads,
            NumKeyValueHeads = keyValueHeads,
            NumHiddenLayers = layers,
            IntermediateSize = 2 * hidden,
            MropeSection = mrope,
            TieWordEmbeddings = tied,
            InitializerRange = 0.2,
            Vision = a.Vision with { OutHiddenSize = hidden },
        };
    }

    public static Qwen25VlModel Random(Qwen25VlConfig config, long seed = 3)
    {
        TorchRuntime.Initialize(1);
        var model = Qwen25VlModel.Create(config, seed, ScalarType.Float32, CPU);
        model.eval();
        return model;
    }

    /// <summary>
    /// Greedy decoding of <paramref name="steps"/> tokens → tokens [N,steps] int64 and the logits [N,steps,V] each
    /// token was chosen from. Cached: one session; uncached: a full forward over prompt + tokens so far at each step,
    /// the attention mask extended with 1 (the reference's "generation" note).
    /// </summary>
    public static (Tensor Tokens, Tensor StepLogits) Greedy(
        Qwen25VlModel model,
        Tensor? imageEmbeds,
        IReadOnlyList<long[]> grids,
        Tensor inputIds,
        Tensor attentionMask,
        int steps,
        bool cached
    )
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokens = new List<Tensor>();
        var logits = new List<Tensor>();
        if (cached)
        {
            using var session = model.StartDecodingWithImageEmbeddings(
                imageEmbeds,
                grids,
                inputIds,
                attentionMask,
                steps
            );
            var last = session.Prefill(); // [N,V]
            for (int step = 0; step < steps; step++)
            {
                logits.Add(last);
                tokens.Add(last.argmax(-1)); // [N]
                if (step + 1 < steps)
                    last = session.Append(tokens[^1]);
            }
        }
        else
        {
            var ids = inputIds;
            var mask = attentionMask;
            for (int step = 0; step < steps; step++)
            {
                var last = model.ForwardWithImageEmbeddings(imageEmbeds, grids, ids, mask).select(1, -1); // [N,V]
                logits.Add(last);
                tokens.Add(last.argmax(-1));
                ids = cat([ids, tokens[^1].unsqueeze(1)], 1);
                mask = cat([mask, ones_like(tokens[^1]).unsqueeze(1)], 1);
            }
        }
        return (stack(tokens, 1).MoveToOuterDisposeScope(), stack(logits, 1).MoveToOuterDisposeScope());
    }

    /// <summary>Max |a − b| as a double.</summary>
    public static double MaxDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var scope = NewDisposeScope();
        return (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max().item<double>();
    }
}
