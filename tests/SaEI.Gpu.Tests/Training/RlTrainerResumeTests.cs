using SaEI.Gpu.Training;
using static SaEI.Gpu.Tests.Training.TrainerFixtures;

namespace SaEI.Gpu.Tests.Training;

/// <summary>
/// Exact resume (issue #4): N steps straight equal N/2 steps, checkpoint to bytes, restore into fresh objects
/// (a policy initialised from another seed), N/2 more — bit for bit, on CPU with one thread.
/// </summary>
public sealed class RlTrainerResumeTests
{
    private const int Steps = 4;

    [Theory]
    [InlineData(RlMethod.Saei)]
    [InlineData(RlMethod.NoisyRollout)]
    [InlineData(RlMethod.ClipCov)]
    public void A_restored_run_ends_with_the_same_parameters_bit_for_bit(RlMethod method)
    {
        // Three problems for two prompts a step: the cursor crosses epochs (reshuffle) during the run.
        var problems = Problems(3);
        var options = Options(method);

        using var straightPolicy = Model();
        using var straightReference = Model();
        using var straight = new RlTrainer(straightPolicy, straightReference, options, problems, Steps, seed: 11);
        IReadOnlyDictionary<string, double> straightLast = new Dictionary<string, double>();
        for (int i = 0; i < Steps; i++)
            straightLast = straight.Step();

        IReadOnlyDictionary<string, byte[]> files;
        using (var firstPolicy = Model())
        using (var firstReference = Model())
        using (var first = new RlTrainer(firstPolicy, firstReference, options, problems, Steps, seed: 11))
        {
            for (int i = 0; i < Steps / 2; i++)
                first.Step();
            files = TrainingCheckpoint.Write(first);
        }
        Assert.Equal(["model.safetensors", "optimizer.bin", "state.json"], files.Keys.Order(StringComparer.Ordinal));

        using var freshPolicy = Model(seed: 99); // other weights: all must come from the files
        using var freshReference = Model();
        using var resumed = RlTrainer.Restore(files, freshPolicy, freshReference, problems);
        Assert.Equal(Steps / 2, resumed.StepIndex);
        IReadOnlyDictionary<string, double> resumedLast = new Dictionary<string, double>();
        for (int i = 0; i < Steps / 2; i++)
            resumedLast = resumed.Step();

        var expected = straightPolicy.NamedParameters();
        var actual = freshPolicy.NamedParameters();
        for (int i = 0; i < expected.Count; i++)
            Assert.True(
                expected[i].Parameter.eq(actual[i].Parameter).all().item<bool>(),
                $"{method}: parameter {expected[i].Name} differs after resume"
            );
        foreach (var (key, value) in straightLast.Where(m => !m.Key.StartsWith("timing_s/", StringComparison.Ordinal)))
            Assert.Equal(value, resumedLast[key]);
        Assert.Equal(
            TrainingCheckpoint.Write(straight)["optimizer.bin"],
            TrainingCheckpoint.Write(resumed)["optimizer.bin"]
        );
    }

    [Fact]
    public void A_checkpoint_streamed_into_a_folder_has_the_same_bytes_and_resumes_from_the_folder_bit_for_bit()
    {
        var problems = Problems(3);
        var options = Options(RlMethod.Saei);
        using var straightPolicy = Model();
        using var straightReference = Model();
        using var straight = new RlTrainer(straightPolicy, straightReference, options, problems, Steps, seed: 5);
        for (int i = 0; i < Steps; i++)
            straight.Step();

        string folder = Directory.CreateTempSubdirectory("saei-ckpt-test-").FullName;
        try
        {
            using (var firstPolicy = Model())
            using (var firstReference = Model())
            using (var first = new RlTrainer(firstPolicy, firstReference, options, problems, Steps, seed: 5))
            {
                for (int i = 0; i < Steps / 2; i++)
                    first.Step();
                TrainingCheckpoint.WriteTo(first, folder);
                // The streamed files are the bytes the in-memory writer makes (one layout, tensor by tensor).
                foreach (var (name, bytes) in TrainingCheckpoint.Write(first))
                    Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(folder, name)));
            }
            using var freshPolicy = Model(seed: 99);
            using var freshReference = Model();
            using var resumed = RlTrainer.Restore(folder, freshPolicy, freshReference, problems);
            for (int i = 0; i < Steps / 2; i++)
                resumed.Step();
            var expected = straightPolicy.NamedParameters();
            var actual = freshPolicy.NamedParameters();
            for (int i = 0; i < expected.Count; i++)
                Assert.True(
                    expected[i].Parameter.eq(actual[i].Parameter).all().item<bool>(),
                    $"parameter {expected[i].Name} differs after resume"
                );
            Assert.Equal(
                TrainingCheckpoint.Write(straight)["optimizer.bin"],
                TrainingCheckpoint.Write(resumed)["optimizer.bin"]
            );

            File.Delete(Path.Combine(folder, "optimizer.bin"));
            using var another = Model();
            var missing = Assert.Throws<InvalidDataException>(() =>
                RlTrainer.Restore(folder, another, freshReference, problems)
            );
            Assert.Contains("checkpoint lacks 'optimizer.bin' (has: model.safetensors, state.json)", missing.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_checkpoint_missing_a_file_or_made_on_other_data_is_refused_by_name()
    {
        var problems = Problems(3);
        using var policy = Model();
        using var reference = Model();
        using var trainer = new RlTrainer(policy, reference, Options(RlMethod.Grpo), problems, Steps, seed: 1);
        var files = TrainingCheckpoint.Write(trainer);

        var partial = files.Where(f => f.Key != "optimizer.bin").ToDictionary();
        using var fresh = Model();
        var missing = Assert.Throws<InvalidDataException>(() => RlTrainer.Restore(partial, fresh, reference, problems));
        Assert.Contains("optimizer.bin", missing.Message);
        var otherData = Assert.Throws<InvalidDataException>(() =>
            RlTrainer.Restore(files, fresh, reference, Problems(5))
        );
        Assert.Contains("3 problems", otherData.Message);
    }

    [Fact]
    public void A_checkpoint_from_before_mixed_image_sizes_still_restores()
    {
        // state.json of older versions carried "image_size" (one square size per run); it is read and ignored now.
        var problems = Problems(3);
        using var policy = Model();
        using var trainer = new RlTrainer(
            policy,
            null,
            Options(RlMethod.Grpo) with
            {
                KlCoefficient = 0,
            },
            problems,
            Steps,
            seed: 1
        );
        trainer.Step();
        var files = TrainingCheckpoint.Write(trainer).ToDictionary();
        string state = System.Text.Encoding.UTF8.GetString(files["state.json"]);
        Assert.DoesNotContain("image_size", state);
        files["state.json"] = System.Text.Encoding.UTF8.GetBytes(
            state.Replace("\"total_steps\"", "\"image_size\": 16,\n  \"total_steps\"", StringComparison.Ordinal)
        );
        Assert.Contains("\"image_size\": 16", System.Text.Encoding.UTF8.GetString(files["state.json"]));

        using var fresh = Model(seed: 99);
        using var resumed = RlTrainer.Restore(files, fresh, null, problems);
        Assert.Equal(1, resumed.StepIndex);
        trainer.Step();
        resumed.Step();
        var expected = policy.NamedParameters();
        var actual = fresh.NamedParameters();
        for (int i = 0; i < expected.Count; i++)
            Assert.True(
                expected[i].Parameter.eq(actual[i].Parameter).all().item<bool>(),
                $"parameter {expected[i].Name} differs after resume"
            );
    }
}
