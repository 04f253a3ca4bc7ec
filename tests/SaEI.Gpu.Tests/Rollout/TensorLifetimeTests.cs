using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Rollout;

/// <summary>Every tensor a rollout call creates is disposed with its results.</summary>
public sealed class TensorLifetimeTests
{
    [Fact]
    public void Generation_and_teacher_forcing_leave_no_live_tensors_behind()
    {
        using var model = TinyModels.Create();
        using var prompts = TinyModels.Prompts(model, 2);
        var options = new GenerationOptions { ResponsesPerPrompt = 2, MaxNewTokens = 5 };
        using var generator = new Generator(1, CPU);
        RunOnce(); // first call may create lazily cached tensors
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
            RunOnce();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Equal(before, after);

        void RunOnce()
        {
            foreach (bool cached in new[] { true, false })
            {
                using var batch = Generation.Generate(model, prompts, options, generator, cached);
                using var scores = TeacherForcing.Score(
                    model,
                    batch.Images,
                    batch.PromptIds,
                    batch.PromptMask,
                    batch.ResponseIds,
                    batch.ResponseMask,
                    1.0,
                    true,
                    chunkRows: 3
                );
                using var total = scores.Entropy!.sum();
                total.backward();
            }
            model.zero_grad();
        }
    }
}
