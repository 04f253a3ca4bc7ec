using System.Text.Json.Nodes;
using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tests.Models.Qwen25Vl;

/// <summary>Issue 12: smart_resize equal to transformers' on every row of
/// tests/data/qwen25vl/smart_resize_cases.json.</summary>
public sealed class SmartResizeTests
{
    public static TheoryData<int, int, int, long, long, int?, int?, string?> Cases()
    {
        var root = JsonNode.Parse(File.ReadAllText(ReferenceCaseA.Data("smart_resize_cases.json")))!;
        var data = new TheoryData<int, int, int, long, long, int?, int?, string?>();
        foreach (var row in root["cases"]!.AsArray())
        {
            data.Add(
                row!["height"]!.GetValue<int>(),
                row["width"]!.GetValue<int>(),
                row["factor"]!.GetValue<int>(),
                row["min_pixels"]!.GetValue<long>(),
                row["max_pixels"]!.GetValue<long>(),
                row["resized_height"]?.GetValue<int>(),
                row["resized_width"]?.GetValue<int>(),
                row["error"]?.GetValue<string>()
            );
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reproduces_the_reference_row(
        int height,
        int width,
        int factor,
        long minPixels,
        long maxPixels,
        int? resizedHeight,
        int? resizedWidth,
        string? error
    )
    {
        if (error is not null)
        {
            var refused = Assert.Throws<ArgumentException>(() =>
                SmartResize.Compute(height, width, factor, minPixels, maxPixels)
            );
            Assert.Contains(error.Split(',')[0], refused.Message, StringComparison.Ordinal);
            return;
        }
        Assert.Equal(
            new ImageSize(resizedHeight!.Value, resizedWidth!.Value),
            SmartResize.Compute(height, width, factor, minPixels, maxPixels)
        );
    }

    [Fact]
    public void The_file_has_every_kind_of_row()
    {
        var rows = Cases().ToList();
        Assert.Equal(18, rows.Count);
        Assert.Equal(2, rows.Count(r => r[7] is not null));
    }

    [Fact]
    public void Rounds_half_to_even_like_python()
    {
        // 70/28 = 2.5 → 2 and 126/28 = 4.5 → 4 (half to even); half away from zero would give 84x140.
        Assert.Equal(new ImageSize(56, 112), SmartResize.Compute(70, 126, 28, 3136, 1003520));
        Assert.Equal(new ImageSize(56, 168), SmartResize.Compute(42, 154, 28, 3136, 1003520));
    }

    [Fact]
    public void Processor_resizes_an_8_bit_image_to_the_smart_size_and_counts_its_tokens()
    {
        var processor = new Qwen25VlImageProcessor(
            ReferenceCaseA.Config().Vision,
            new Qwen25VlPreprocessorConfig { MaxPixels = 1003520 }
        );
        var image = RgbImage.Filled(width: 150, height: 100, new Rgb(10, 200, 30));
        var size = processor.InputSize(new ImageSize(image.Height, image.Width));
        Assert.Equal(new ImageSize(112, 140), size);
        var resized = processor.Resize(image);
        Assert.Equal((140, 112), (resized.Width, resized.Height));
        Assert.Equal(new Rgb(10, 200, 30), resized[70, 56]);
        Assert.Equal(20, processor.TokenCount(size));
        Assert.Equal([1L, 8, 10], processor.GridThw(size));
        var error = Assert.Throws<ArgumentException>(() => processor.TokenCount(new ImageSize(100, 150)));
        Assert.Contains("112x140", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Preprocessor_config_reads_both_spellings_of_the_bounds_and_checks_sizes()
    {
        var flat = Qwen25VlPreprocessorConfig.Parse(
            JsonNode
                .Parse(
                    """{"min_pixels":3136,"max_pixels":1003520,"image_mean":[0.5,0.5,0.5],"image_std":[0.5,0.5,"""
                        + """0.5],"patch_size":14}"""
                )!
                .AsObject(),
            "flat"
        );
        Assert.Equal((3136L, 1003520L, 0.5), (flat.MinPixels, flat.MaxPixels, flat.ImageMean[1]));
        var nested = Qwen25VlPreprocessorConfig.Parse(
            JsonNode.Parse("""{"size":{"shortest_edge":6272,"longest_edge":12845056}}""")!.AsObject(),
            "nested"
        );
        Assert.Equal((6272L, 12845056L, 0.4578275), (nested.MinPixels, nested.MaxPixels, nested.ImageMean[1]));
        var bad = Assert.Throws<InvalidDataException>(() =>
            Qwen25VlPreprocessorConfig.Parse(JsonNode.Parse("""{"image_std":[0.5,0,0.5]}""")!.AsObject(), "bad.json")
        );
        Assert.Contains("image_std", bad.Message, StringComparison.Ordinal);
        var mismatch = Assert.Throws<InvalidDataException>(() =>
            new Qwen25VlImageProcessor(
                ReferenceCaseA.Config().Vision,
                new Qwen25VlPreprocessorConfig { PatchSize = 16 }
            )
        );
        Assert.Contains("patch_size", mismatch.Message, StringComparison.Ordinal);
    }
}
