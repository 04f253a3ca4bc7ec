using System.Text.Json.Serialization;
using Parquet.Serialization;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tests.Training;

namespace SaEI.Grains.Tests.Training;

/// <summary>
/// The inputs of <see cref="QwenSweepTests"/>, written once per test class: a tiny random Qwen2.5-VL folder under
/// the data root (<see cref="DataFolder"/>, the silos' Saei:Data:Roots), and geometry3k-format parquet files of PNGs
/// of mixed sizes (56×84, 84×56, 112×112): training (6 rows) and test (3 rows). Paths are static because Orleans
/// creates the silo configurators, which name the data root, by type.
/// </summary>
public sealed class QwenSweepInputs : IAsyncLifetime
{
    private static readonly (int Height, int Width)[] Sizes = [(56, 84), (84, 56), (112, 112)];

    /// <summary>The temporary folder of this test process (data root, model cache).</summary>
    public static string Root { get; } = Directory.CreateTempSubdirectory("saei-qwen-sweep-").FullName;

    /// <summary>The silos' data root.</summary>
    public static string DataFolder { get; } = Path.Combine(Root, "data");

    public string Model { get; private set; } = "";

    public string Train { get; private set; } = "";

    public string Test { get; private set; } = "";

    public async Task InitializeAsync()
    {
        TorchRuntime.Initialize(1);
        Directory.CreateDirectory(DataFolder);
        Model = TinyQwenFolder.Write(Path.Combine(DataFolder, "qwen-tiny"));
        Train = await WriteParquetAsync("train.parquet", 6, seed: 1);
        Test = await WriteParquetAsync("test.parquet", 3, seed: 2);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    private static async Task<string> WriteParquetAsync(string name, int rows, int seed)
    {
        var random = new Random(seed);
        string path = Path.Combine(DataFolder, name);
        await ParquetSerializer.SerializeAsync(
            Enumerable
                .Range(0, rows)
                .Select(i =>
                {
                    var (height, width) = Sizes[i % Sizes.Length];
                    var rgb = new byte[height * width * 3];
                    random.NextBytes(rgb);
                    return new Row
                    {
                        Images = [new Cell { Bytes = PngExport.Encode(new RgbImage(width, height, rgb)) }],
                        Problem = $"<image>What is {i} + 1?",
                        Answer = $"{i + 1}",
                    };
                }),
            path
        );
        return path;
    }

    private sealed class Cell
    {
        [JsonPropertyName("bytes")]
        public byte[]? Bytes { get; set; }
    }

    private sealed class Row
    {
        [JsonPropertyName("images")]
        public List<Cell>? Images { get; set; }

        [JsonPropertyName("problem")]
        public string? Problem { get; set; }

        [JsonPropertyName("answer")]
        public string? Answer { get; set; }
    }
}
