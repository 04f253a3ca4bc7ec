using SaEI.Gpu.Models;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Grains.Sweeps;

namespace SaEI.Grains.Training;

/// <summary>Turns a spec's data sets into loaded problems (SaEI.Gpu loaders), at the model's image size.</summary>
public static class SpecData
{
    /// <summary>
    /// Loads a data set within the silo's roots and limits (<paramref name="options"/>) for <paramref name="policy"/>:
    /// synthetic images are drawn at <see cref="SyntheticImageSize"/>; every image is resized to the model's input
    /// size later, by the trainer and the evaluator (<see cref="SaEI.Gpu.Tasks.Images.ModelInputs"/>).
    /// </summary>
    public static async Task<IReadOnlyList<VisualProblem>> LoadAsync(
        DatasetSpec data,
        IPolicyModel policy,
        DataOptions options,
        CancellationToken cancellation
    ) => await DataSources.LoadAsync(ToSource(data, SyntheticImageSize(policy), options), cancellation);

    /// <summary>
    /// The side synthetic (square) images are drawn at: the model's input size for the synthetic task's design size,
    /// so that a fixed-size model (TinyVlm) gets its images without a resample.
    /// </summary>
    public static int SyntheticImageSize(IPolicyModel policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        int design = new SyntheticTaskOptions().ImageSize;
        var size = policy.InputSize(new ImageSize(design, design));
        return Math.Max(size.Height, size.Width);
    }

    /// <summary>The loader's description of <paramref name="data"/>, typed at parse time.</summary>
    public static DataSourceSpec ToSource(DatasetSpec data, int imageSize, DataOptions options)
    {
        if (data.Format != DataFormat.Synthetic)
            return new DataSourceSpec
            {
                Format = DatasetFormats.Name(data.Format),
                Path = data.Path,
                MaxRows = data.Size,
                Limits = options.Limits,
                Roots = options.EffectiveRoots(),
            };
        return new DataSourceSpec
        {
            Format = DatasetFormats.Synthetic,
            MaxRows = data.Size ?? 1000,
            Synthetic = new SyntheticTaskOptions
            {
                Families = [.. data.Families],
                Difficulty = data.Difficulty ?? 1,
                ImageSize = imageSize,
                Seed = (ulong)(data.Seed ?? 0),
                Split = data.Split ?? SyntheticSplit.Train,
            },
        };
    }
}
