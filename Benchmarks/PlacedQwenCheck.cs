using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Benchmarks;

/// <summary>
/// The device check's cross-device case (issue 13): the tiny Qwen2.5-VL placed stage by stage over two devices
/// (cuda:0 and cuda:1 when there are two GPUs, else cpu and the checked device) against the same weights on one
/// device. Decisions:
/// 1. The first half of the stages (input and the first layers) go to the first device, the rest (later layers,
///    norm, lm_head) to the second, so the hidden state, the rotary tables, the mask and the KV caches all cross.
/// 2. Reported: the max |logit difference| of one forward over the 3 mixed-size prompts, whether greedy (KV cached)
///    decoding of 16 tokens gives the same tokens, and one SaEI step on the placed policy (loss, gradient norm).
/// </summary>
public static class PlacedQwenCheck
{
    public sealed record Result(
        string Devices,
        double MaxLogitDifference,
        bool SameGreedyTokens,
        double PgLoss,
        double GradNorm
    );

    public static Result Run(Device device)
    {
        Device[] pair = cuda.device_count() >= 2 ? [new Device("cuda:0"), new Device("cuda:1")] : [CPU, device];
        using var single = TinyQwen.CreatePolicy(seed: 1, device);
        using var placed = TinyQwen.CreatePolicy(seed: 1, pair[0]);
        int stages = placed.Stages.Count;
        placed.PlaceStages([.. Enumerable.Range(0, stages).Select(i => i < stages / 2 ? pair[0] : pair[1])]);
        string devices = string.Join(" → ", placed.Stages.Select(s => s.Device).Distinct());
        single.SetTraining(false);
        placed.SetTraining(false);

        var problems = TinyQwen.MixedSizeProblems(3, seed: 1);
        double difference;
        bool sameTokens;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var a = Prompts(single, problems);
            var b = Prompts(placed, problems);
            var expected = single.Forward(a.Images, a.InputIds, a.AttentionMask).cpu(); // [N,T,V]
            var actual = placed.Forward(b.Images, b.InputIds, b.AttentionMask).cpu();
            difference = expected.sub(actual).abs().max().item<float>();
            var options = new GenerationOptions
            {
                ResponsesPerPrompt = 1,
                Temperature = 1e-6,
                MaxNewTokens = 16,
            };
            using var g1 = new Generator(5, CPU);
            using var g2 = new Generator(5, CPU);
            using var x = Generation.Generate(single, a, options, g1);
            using var y = Generation.Generate(placed, b, options, g2);
            sameTokens =
                x.ResponseIds.shape.SequenceEqual(y.ResponseIds.shape)
                && x.ResponseIds.cpu().eq(y.ResponseIds.cpu()).all().item<bool>();
        }

        var rl = new RlOptions
        {
            Method = RlMethod.Saei,
            GroupSize = 4,
            PromptsPerStep = 3,
            MiniBatchPrompts = 3,
            MaxNewTokens = 16,
            EvaluateAttack = true,
        };
        var reference = TinyQwen.CreatePolicy(seed: 1, pair[0]);
        reference.PlaceStages([.. placed.Stages.Select(s => new Device(s.Device))]);
        var policy = TinyQwen.CreatePolicy(seed: 1, pair[0]);
        policy.PlaceStages([.. placed.Stages.Select(s => new Device(s.Device))]);
        using var setup = new RlStepSetup(policy, reference, rl, problems);
        var metrics = setup.Trainer.Step();
        return new Result(
            devices,
            difference,
            sameTokens,
            metrics[RlStepMetrics.PgLoss],
            metrics[RlStepMetrics.GradNorm]
        );
    }

    private static PromptBatch Prompts(Qwen25VlPolicy policy, IReadOnlyList<SaEI.Gpu.Tasks.Data.VisualProblem> problems)
    {
        var images = ModelInputs.ToTensors(policy, [.. problems.Select(p => p.Image)]);
        var prompts = PromptBatch.Create(policy, images, [.. problems.Select(p => p.Problem)]);
        foreach (var image in images)
            image.Dispose();
        return prompts;
    }
}
