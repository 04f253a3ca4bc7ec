using SaEI.Grains.Storage;

namespace SaEI.Grains.Tests.Storage;

public sealed class IdsAndPathsTests
{
    [Theory]
    [InlineData("saei-0a1b2c3d-s1")]
    [InlineData("paper_geometry3k.v2")]
    [InlineData("a")]
    public void Valid_ids_pass(string id) => Assert.Null(Ids.Check(id, "run"));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Saei", "not allowed")]
    [InlineData("a/b", "not allowed")]
    [InlineData("..", "not allowed")]
    [InlineData("a..b", "not allowed")]
    [InlineData(".hidden", "not allowed")]
    [InlineData("has space", "not allowed")]
    public void Invalid_ids_are_refused_naming_the_id_and_the_rule(string id, string why)
    {
        var error = Assert.Throws<ArgumentException>(() => Ids.Require(id, "experiment"));
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Contains("experiment id", error.Message, StringComparison.Ordinal);
        Assert.Contains("[a-z0-9-_.]", error.Message, StringComparison.Ordinal);
        if (id.Length > 0)
            Assert.Contains($"'{id}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_long_ids_are_refused_with_the_length()
    {
        string id = new('a', Ids.MaxLength + 1);
        Assert.Contains($"{Ids.MaxLength + 1} characters", Ids.Check(id, "run"), StringComparison.Ordinal);
        Assert.Null(Ids.Check(new string('a', Ids.MaxLength), "run"));
    }

    [Fact]
    public void Paths_follow_the_architecture_layout()
    {
        Assert.Equal("experiments/e1/spec.yaml", BlobPaths.Spec("e1"));
        Assert.Equal(
            "experiments/e1/runs/r1/checkpoints/step-000040/model.safetensors",
            BlobPaths.CheckpointFile("e1", "r1", 40, "model.safetensors")
        );
        Assert.Equal(
            "experiments/e1/runs/r1/checkpoints/step-000040/manifest.json",
            BlobPaths.Manifest("e1", "r1", 40)
        );
        Assert.Equal("experiments/e1/runs/r1/metrics.jsonl", BlobPaths.Metrics("e1", "r1"));
        Assert.Equal("experiments/e1/runs/r1/samples/step-000040.jsonl", BlobPaths.Samples("e1", "r1", 40));
        Assert.Equal(
            "models/tiny-vlm-sft/model.safetensors",
            BlobPaths.ModelFilePath("tiny-vlm-sft", "model.safetensors")
        );
        Assert.Throws<ArgumentException>(() => BlobPaths.Run("e1", "../other"));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlobPaths.StepName(-1));
    }

    [Fact]
    public void Step_names_round_trip_and_reject_lookalikes()
    {
        Assert.True(BlobPaths.TryParseStep(BlobPaths.StepName(40), out int step));
        Assert.Equal(40, step);
        Assert.False(BlobPaths.TryParseStep("step-40", out _));
        Assert.False(BlobPaths.TryParseStep("step-00004x", out _));
        Assert.False(BlobPaths.TryParseStep("stop-000040", out _));
    }
}
