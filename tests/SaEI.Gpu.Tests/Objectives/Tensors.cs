using TorchSharp;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Objectives;

/// <summary>Small helpers for hand-computed tensor tests (float64 unless stated).</summary>
internal static class Tensors
{
    public static Tensor F64(double[] values, params long[] shape) =>
        torch.tensor(values, dtype: ScalarType.Float64).reshape(shape);

    public static double[] Values(Tensor t) =>
        t.detach().to_type(ScalarType.Float64).cpu().reshape(-1).data<double>().ToArray();

    public static bool[] Flags(Tensor t) =>
        t.detach().cpu().reshape(-1).to_type(ScalarType.Bool).data<bool>().ToArray();

    public static void Close(double[] expected, Tensor actual, int precision = 9)
    {
        double[] values = Values(actual);
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], values[i], precision);
    }

    /// <summary>Seeded random matrix [rows, columns] of doubles drawn from N(mean, scale²) by System.Random.</summary>
    public static double[,] Random(int seed, int rows, int columns, double scale = 1.0, double mean = 0.0)
    {
        var random = new Random(seed);
        var values = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        for (int j = 0; j < columns; j++)
            values[i, j] = mean + scale * (random.NextDouble() * 2 - 1);
        return values;
    }

    public static Tensor F64(double[,] values) =>
        F64(values.Cast<double>().ToArray(), values.GetLength(0), values.GetLength(1));

    /// <summary>Random response masks [rows, columns]: each row a prefix of random length 0..columns.</summary>
    public static double[,] PrefixMask(int seed, int rows, int columns)
    {
        var random = new Random(seed);
        var mask = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            int length = random.Next(0, columns + 1);
            for (int j = 0; j < length; j++)
                mask[i, j] = 1;
        }
        return mask;
    }
}
