using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tests.Models;
using SaEI.Gpu.Training;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Training;

public sealed class SafetensorsBytesTests
{
    [Fact]
    public void Tensors_round_trip_bit_for_bit_and_the_file_loads_as_model_weights()
    {
        TorchRuntime.Initialize(1);
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["a"] = tensor(new[] { 1.5f, float.NaN, -0f, float.Epsilon }, [2, 2]),
            ["b"] = tensor(new long[] { long.MinValue, 3 }),
            ["c"] = tensor(new[] { Math.PI }, float64),
        };
        var read = SafetensorsBytes.Read(SafetensorsBytes.Write(tensors), "t.safetensors");
        foreach (var (name, t) in tensors)
            Assert.Equal(t.bytes.ToArray(), read[name].bytes.ToArray());
        Assert.Equal([2L, 2L], read["a"].shape);

        // The bytes of a model's parameters are a model.safetensors that the model loader accepts.
        using var model = TinyModels.Create(seed: 3);
        using var other = TinyModels.Create(seed: 4);
        string directory = Directory.CreateTempSubdirectory("saei-st-").FullName;
        try
        {
            File.WriteAllBytes(
                Path.Combine(directory, "model.safetensors"),
                SafetensorsBytes.Write(
                    model.NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter))
                )
            );
            SafetensorsWeights.Load(other, Path.Combine(directory, "model.safetensors"));
            var expected = model.NamedParameters();
            var actual = other.NamedParameters();
            for (int i = 0; i < expected.Count; i++)
                Assert.True(expected[i].Parameter.eq(actual[i].Parameter).all().item<bool>());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_truncated_file_is_an_error_naming_the_file()
    {
        var bytes = SafetensorsBytes.Write([new KeyValuePair<string, Tensor>("w", ones(4))]);
        var error = Assert.Throws<InvalidDataException>(() => SafetensorsBytes.Read(bytes[..^4], "optimizer.bin"));
        Assert.Contains("optimizer.bin", error.Message);
        Assert.Contains("'w'", error.Message);
    }
}
