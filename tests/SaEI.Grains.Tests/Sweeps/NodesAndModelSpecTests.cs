using SaEI.Grains.Sweeps;

namespace SaEI.Grains.Tests.Sweeps;

/// <summary>`nodes:` (the machines a sweep targets) and `model:` with both a local path and a blob prefix.</summary>
public sealed class NodesAndModelSpecTests
{
    private const string TwoNodes = """
        nodes:
          - { name: h100-80g, device: cuda, devices: 1, memory_gib: 80 }
          - { name: h200-141g, device: cuda, devices: 2, memory_gib: 141 }
        """;

    [Fact]
    public void Nodes_parse_and_change_neither_the_fingerprint_nor_the_run_ids()
    {
        var plain = SweepSpecParser.Parse(SpecSamples.Minimal()).Spec!;
        var result = SweepSpecParser.Parse(SpecSamples.Minimal(extra: TwoNodes));
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var spec = result.Spec!;
        Assert.Equal([new NodeSpec("h100-80g", "cuda", 1, 80), new NodeSpec("h200-141g", "cuda", 2, 141)], spec.Nodes);
        Assert.Equal("cuda:1", spec.Nodes[1].DeviceName(1));
        Assert.Equal(141L << 30, spec.Nodes[1].MemoryBytes);
        Assert.Empty(plain.Nodes);
        Assert.Equal(SpecFingerprint.Compute(plain), SpecFingerprint.Compute(spec));
        Assert.Equal(
            SweepExpansion.Expand(plain).Select(r => r.RunId),
            SweepExpansion.Expand(spec).Select(r => r.RunId)
        );
    }

    [Theory]
    [InlineData("nodes: [ { name: a, device: cuda, memory_gib: 80, gpus: 2 } ]", "nodes[0].gpus", "unknown key;")]
    [InlineData(
        "nodes: [ { name: a, device: tpu, memory_gib: 80 } ]",
        "nodes[0].device",
        "is 'tpu'; set cuda (GPU node) or cpu."
    )]
    [InlineData(
        "nodes: [ { name: a, device: cuda, memory_gib: 0 } ]",
        "nodes[0].memory_gib",
        "is '0'; set a number in (0, 4096]"
    )]
    [InlineData("nodes: [ { name: a, device: cuda } ]", "nodes[0].memory_gib", "is required")]
    [InlineData(
        "nodes: [ { name: a, device: cuda, devices: 0, memory_gib: 80 } ]",
        "nodes[0].devices",
        "is '0'; set an integer in 1..64"
    )]
    [InlineData("nodes: [ { device: cuda, memory_gib: 80 } ]", "nodes[0].name", "is required")]
    [InlineData("nodes: { name: a }", "nodes", "expected a list of nodes")]
    [InlineData(
        "nodes: [ { name: a, device: cuda, memory_gib: 80 }, { name: a, device: cpu, memory_gib: 64 } ]",
        "nodes[1].name",
        "node 'a' is listed twice"
    )]
    public void A_bad_node_is_one_clear_error_naming_its_key(string nodes, string path, string message)
    {
        var result = SweepSpecParser.Parse(SpecSamples.Minimal(extra: nodes));
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_may_name_a_local_path_and_a_blob_prefix_and_qwen_needs_one_of_them()
    {
        string Spec(string model) =>
            SpecSamples.Minimal().Replace("model: { family: tiny-vlm }", model, StringComparison.Ordinal);
        var both = SweepSpecParser.Parse(
            Spec(
                "model: { family: qwen2.5-vl, path: /data/models/Qwen2.5-VL-7B-Instruct, "
                    + "base: models/qwen25vl-7b-instruct }"
            )
        );
        Assert.True(both.Ok, string.Join("\n", both.Errors));
        Assert.Equal("/data/models/Qwen2.5-VL-7B-Instruct", both.Spec!.Model.Path);
        Assert.Equal("qwen25vl-7b-instruct", both.Spec.Model.Base);
        Assert.True(SweepSpecParser.Parse(Spec("model: { family: qwen2.5-vl, base: models/qwen25vl-7b-instruct }")).Ok);

        var neither = Assert.Single(SweepSpecParser.Parse(Spec("model: { family: qwen2.5-vl }")).Errors);
        Assert.Equal("model.path", neither.Path);
        Assert.Contains("and/or model.base", neither.Message, StringComparison.Ordinal);
        var badBlob = Assert.Single(
            SweepSpecParser.Parse(Spec("model: { family: qwen2.5-vl, path: /data/m, base: models/Bad Name }")).Errors
        );
        Assert.Equal("model.base", badBlob.Path);
    }
}
