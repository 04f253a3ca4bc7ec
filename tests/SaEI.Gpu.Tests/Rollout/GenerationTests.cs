using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tests.Models;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Rollout;

public sealed class GenerationTests
{
    [Fact]
    public void Greedy_cached_generation_yields_the_tokens_and_log_probs_of_full_recompute()
    {
        using var model = TinyModels.Create();
        using var prompts = TinyModels.Prompts(model, 2);
        var options = new GenerationOptions
        {
            ResponsesPerPrompt = 2,
            Temperature = 0,
            MaxNewTokens = 12,
        };
        using var generator = new Generator(1, CPU);
        using var cached = Generation.Generate(model, prompts, options, generator, useKvCache: true);
        using var recomputed = Generation.Generate(model, prompts, options, generator, useKvCache: false);

        Assert.Equal([4L, cached.ResponseIds.shape[1]], cached.ResponseIds.shape);
        Assert.True(cached.ResponseIds.Same(recomputed.ResponseIds), "tokens differ");
        Assert.True(cached.ResponseMask.Same(recomputed.ResponseMask), "masks differ");
        double logProbGap = (cached.LogProbs - recomputed.LogProbs).abs().max().item<float>();
        Assert.True(logProbGap <= 1e-5, $"log-probs differ by {logProbGap}");
        // Greedy over G: the G copies of a prompt are identical; left padding differs between the two prompts.
        Assert.True(cached.ResponseIds[0].Same(cached.ResponseIds[1]));

        // Teacher forcing at T = 1 reproduces the greedy log-probs (raw logits) of the generated tokens.
        using var scores = TeacherForcing.Score(
            model,
            cached.Images,
            cached.PromptIds,
            cached.PromptMask,
            cached.ResponseIds,
            cached.ResponseMask,
            temperature: 1.0,
            computeEntropy: false
        );
        double teacherGap = (scores.LogProbs - cached.LogProbs).abs().max().item<float>();
        Assert.True(teacherGap <= 1e-5, $"teacher-forced log-probs differ by {teacherGap}");
    }

    [Fact]
    public void Same_seed_gives_the_same_samples_in_both_paths_and_another_seed_different_ones()
    {
        using var model = TinyModels.Create();
        using var prompts = TinyModels.Prompts(model, 2);
        var options = new GenerationOptions
        {
            ResponsesPerPrompt = 3,
            Temperature = 1.0,
            TopP = 0.95,
            MaxNewTokens = 10,
        };
        using RolloutBatch first = Sample(11, true),
            again = Sample(11, true),
            recomputed = Sample(11, false),
            other = Sample(12, true);

        Assert.True(first.ResponseIds.Same(again.ResponseIds));
        Assert.True(first.ResponseIds.Same(recomputed.ResponseIds));
        Assert.False(first.ResponseIds.Same(other.ResponseIds));
        // Sampling, not greedy: the G responses to one prompt differ.
        Assert.False(first.ResponseIds[0].Same(first.ResponseIds[1]));

        RolloutBatch Sample(ulong seed, bool cached)
        {
            using var generator = new Generator(seed, CPU);
            return Generation.Generate(model, prompts, options, generator, cached);
        }
    }

    [Fact]
    public void Restoring_the_generator_state_reproduces_the_next_samples()
    {
        using var model = TinyModels.Create();
        using var prompts = TinyModels.Prompts(model, 1);
        var options = new GenerationOptions { ResponsesPerPrompt = 4, MaxNewTokens = 8 };
        using var generator = new Generator(5, CPU);
        using (Generation.Generate(model, prompts, options, generator)) { }
        byte[] state = generator.get_state().data<byte>().ToArray(); // what a checkpoint stores
        using var next = Generation.Generate(model, prompts, options, generator);
        using var resumedGenerator = new Generator(999, CPU);
        resumedGenerator.set_state(tensor(state));
        using var resumed = Generation.Generate(model, prompts, options, resumedGenerator);
        Assert.True(next.ResponseIds.Same(resumed.ResponseIds));
    }

    [Fact]
    public void Response_mask_covers_tokens_up_to_and_including_the_first_end_of_sequence()
    {
        using var model = TinyModels.Create();
        using var prompts = TinyModels.Prompts(model, 4);
        // A hot temperature makes the end-of-sequence token (1 of V) likely enough to appear in 32 rows × 40 steps.
        var options = new GenerationOptions
        {
            ResponsesPerPrompt = 8,
            Temperature = 8.0,
            MaxNewTokens = 40,
        };
        using var generator = new Generator(3, CPU);
        using var batch = Generation.Generate(model, prompts, options, generator);
        long[] ids = batch.ResponseIds.data<long>().ToArray();
        long[] mask = batch.ResponseMask.data<long>().ToArray();
        float[] logProbs = batch.LogProbs.data<float>().ToArray();
        int rows = (int)batch.Count,
            length = (int)batch.ResponseIds.shape[1];
        int eos = model.Tokenizer.EndOfSequenceId,
            pad = model.Tokenizer.PadId,
            stopped = 0;
        for (int r = 0; r < rows; r++)
        {
            bool seenEos = false;
            for (int t = 0; t < length; t++)
            {
                int i = r * length + t;
                Assert.Equal(seenEos ? 0 : 1, mask[i]);
                if (seenEos)
                    Assert.Equal(pad, ids[i]);
                if (seenEos)
                    Assert.Equal(0f, logProbs[i]);
                else
                    Assert.True(logProbs[i] < 0);
                if (!seenEos && ids[i] == eos)
                {
                    seenEos = true;
                    stopped++;
                }
            }
        }
        Assert.InRange(stopped, 1, rows - 1);
        Assert.True(length <= options.MaxNewTokens);
    }

    [Fact]
    public void Invalid_options_name_the_option()
    {
        var error = Assert.Throws<ArgumentException>(new GenerationOptions { TopP = 0 }.Validate);
        Assert.Contains(nameof(GenerationOptions.TopP), error.Message);
    }
}
