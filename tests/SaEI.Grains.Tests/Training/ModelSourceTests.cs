using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tests.Training;
using SaEI.Gpu.Training;
using SaEI.Grains.Sweeps;
using SaEI.Grains.Training;
using SaEI.Grains.Workers;
using static TorchSharp.torch;

namespace SaEI.Grains.Tests.Training;

/// <summary>
/// <see cref="ModelSource"/> (issue 12): model.path is confined to the data roots on the node that reads it, file by
/// file, and a folder that is not the spec's family or whose tokenizer belongs to another model is a configuration
/// error naming the file. (The end-to-end counterparts run in <see cref="QwenSweepTests"/>.)
/// </summary>
public sealed class ModelSourceTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("saei-model-source-").FullName;

    public ModelSourceTests() => TorchRuntime.Initialize(1);

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly ModelSpec Qwen = new(ModelFamily.Qwen25Vl, null, "unused");

    [Fact]
    public void A_folder_inside_the_roots_loads_as_qwen_and_one_outside_or_linking_out_is_refused()
    {
        string folder = TinyQwenFolder.Write(Path.Combine(root, "qwen"));
        var roots = new DataRoots([root]);

        string confined = ModelSource.Confine(folder, roots);
        using (var policy = ModelSource.Load(Qwen, confined, CPU))
            Assert.Equal("qwen2.5-vl", policy.Info.Family);

        var outside = Assert.Throws<InvalidDataException>(() => ModelSource.Confine("/etc", roots));
        Assert.StartsWith(
            "model.path: path '/etc' is outside the data roots",
            outside.Message,
            StringComparison.Ordinal
        );
        Assert.True(FailureClassifier.IsConfiguration(outside));

        File.CreateSymbolicLink(Path.Combine(folder, "generation_config.json.bak"), "/etc/hostname");
        var linked = Assert.Throws<InvalidDataException>(() => ModelSource.Confine(folder, roots));
        Assert.Contains(
            "generation_config.json.bak' (resolves to '/etc/hostname') is outside the data roots",
            linked.Message,
            StringComparison.Ordinal
        );

        var missing = Assert.Throws<DirectoryNotFoundException>(() =>
            ModelSource.Confine(Path.Combine(root, "absent"), roots)
        );
        Assert.Contains("is not a folder on this node", missing.Message, StringComparison.Ordinal);
        Assert.True(FailureClassifier.IsConfiguration(missing));
    }

    [Fact]
    public void A_folder_of_another_family_or_with_a_foreign_tokenizer_is_refused_naming_the_file()
    {
        string tiny = Path.Combine(root, "tiny");
        var config = new TinyVlmConfig
        {
            ImageSize = 16,
            PatchSize = 8,
            VisionHiddenSize = 16,
            VisionLayers = 1,
            VisionHeads = 2,
            VisionIntermediateSize = 32,
            HiddenSize = 32,
            Layers = 1,
            Heads = 4,
            KeyValueHeads = 2,
            IntermediateSize = 64,
        };
        using (var model = TinyVlm.Create(config, 1, CPU))
            model.Save(tiny);
        var family = Assert.Throws<InvalidDataException>(() => ModelSource.Load(Qwen, tiny, CPU));
        Assert.Contains(
            $"{Path.Combine(tiny, "config.json")} describes a tiny-vlm model but model.family is qwen2.5-vl",
            family.Message,
            StringComparison.Ordinal
        );

        // The tokenizer of another model: <|image_pad|> at another id than config.json's image_token_id.
        string foreign = TinyQwenFolder.Write(Path.Combine(root, "foreign"));
        var swapped = new Dictionary<string, int>(TinyQwenFolder.SpecialTokens)
        {
            ["<|image_pad|>"] = TinyQwenFolder.ImStart,
            ["<|im_start|>"] = TinyQwenFolder.ImagePad,
        };
        SaEI.Gpu.Tokenization.TinyTokenizerJsonWriter.Write(Path.Combine(foreign, "tokenizer.json"), swapped);
        var tokenizer = Assert.Throws<InvalidDataException>(() => ModelSource.Load(Qwen, foreign, CPU));
        Assert.Contains("tokenizer.json puts <|image_pad|> at id", tokenizer.Message, StringComparison.Ordinal);
        Assert.Contains(foreign, tokenizer.Message, StringComparison.Ordinal);
        Assert.True(FailureClassifier.IsConfiguration(tokenizer));
    }

    [Fact]
    public void The_dtype_option_loads_qwen_in_bf16_and_is_refused_for_tiny_vlm_before_reading_the_folder()
    {
        string folder = TinyQwenFolder.Write(Path.Combine(root, "qwen"));
        using (var policy = ModelSource.Load(Qwen, folder, CPU, ComputeDtype.Bf16))
            Assert.All(policy.NamedParameters(), p => Assert.Equal(ScalarType.BFloat16, p.Parameter.dtype));
        using (var policy = ModelSource.Load(Qwen, folder, CPU))
            Assert.All(policy.NamedParameters(), p => Assert.Equal(ScalarType.Float32, p.Parameter.dtype));

        var tiny = new ModelSpec(ModelFamily.TinyVlm, null, "unused");
        var error = Assert.Throws<InvalidDataException>(() =>
            ModelSource.Load(tiny, Path.Combine(root, "absent"), CPU, ComputeDtype.Bf16)
        );
        Assert.Equal(
            "dtype is bf16 but model.family tiny-vlm computes in float32 only; set dtype: f32, or use a qwen2.5-vl "
                + "model.",
            error.Message
        );
        Assert.True(FailureClassifier.IsConfiguration(error));
    }
}
