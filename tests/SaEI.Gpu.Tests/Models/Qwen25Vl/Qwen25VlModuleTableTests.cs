using SaEI.Gpu.Models.Qwen25Vl;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>
/// Issue 12: the module built from a config has exactly the checkpoint's tensor names and shapes, i.e. those of
/// <see cref="Qwen25VlTensorTable.Build"/>. The 7B model is checked through that table without allocating it
/// (Qwen25VlTensorTableTests.The_7B_config_gives_729_tensors_and_8_292_166_656_parameters: 729 tensors,
/// 8,292,166,656 parameters); this test closes the loop by showing, on configs small enough to build, that the table
/// and the module agree name for name and shape for shape, tied and untied.
/// </summary>
public sealed class Qwen25VlModuleTableTests
{
    public static TheoryData<string> Configs() =>
        new() { "case A", "case A tied", "example tiny", "example tiny tied, 3 layers, no full attention" };

    [Theory]
    [MemberData(nameof(Configs))]
    public void The_module_has_exactly_the_tables_names_and_shapes(string which)
    {
        var config = Config(which);
        using var model = new Qwen25VlModel(config);
        var module = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape, StringComparer.Ordinal);
        var table = Qwen25VlTensorTable.Shapes(config);
        Assert.Equal(table.Keys.Order(StringComparer.Ordinal), module.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in table)
            Assert.True(
                shape.SequenceEqual(module[name]),
                $"{which}: {name} is [{string.Join(",", module[name])}] in the module, [{string.Join(",", shape)}] "
                    + $"in the table."
            );
        Assert.Equal(Qwen25VlTensorTable.ParameterCount(config), model.parameters().Sum(p => p.numel()));
        Assert.Equal(!config.TieWordEmbeddings, module.ContainsKey("lm_head.weight"));
        Assert.Empty(model.named_buffers());
    }

    private static Qwen25VlConfig Config(string which)
    {
        var a = ReferenceCaseA.Config();
        var tiny = Qwen25VlConfig.Load(ExampleConfigPath);
        return which switch
        {
            "case A" => a,
            "case A tied" => a with { TieWordEmbeddings = true },
            "example tiny" => tiny,
            _ => tiny with
            {
                TieWordEmbeddings = true,
                NumHiddenLayers = 3,
                Vision = tiny.Vision with { FullAttentionBlockIndexes = [] },
            },
        };
    }

    /// <summary>examples/models/qwen25vl-tiny.json, the committed tiny config (`saei model init`, the demo,
    /// benchmarks).</summary>
    internal static string ExampleConfigPath =>
        Path.Combine(ReferenceCaseA.Data(".."), "..", "..", "examples", "models", "qwen25vl-tiny.json");
}
