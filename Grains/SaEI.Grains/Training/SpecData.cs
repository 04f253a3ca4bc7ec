using SaEI.Gpu.Evaluation;
using SaEI.Gpu.Models;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Grains.Storage;
using SaEI.Grains.Sweeps;

namespace SaEI.Grains.Training;

/// <summary>Turns a spec's data sets into loaded problems (SaEI.Gpu loaders), at the model's image size.</summary>
public static class SpecData
{
    /// <summary>The spec stored at launch (experiments/{exp}/spec.yaml); configuration errors name the experiment.</summary>
    public static async Task<SweepSpec> LoadSpecAsync(ResilientBlobStore blobs, string experiment, CancellationToken cancellation)
    {
        if (await blobs.ReadAsync(BlobPaths.Spec(experiment), cancellation) is not BlobReadResult.Found found)
            throw new InvalidDataException($"experiment {experiment}: {BlobPaths.Spec(experiment)} is missing; launch the sweep again.");
        var parsed = SweepSpecParser.Parse(found.Content.ToString(), SpecLimits.Stored);
        return parsed.Spec ?? throw new InvalidDataException($"experiment {experiment}: stored spec does not parse: {string.Join("; ", parsed.Errors)}");
    }

    /// <summary>
    /// The evaluation settings of a run: the spec's eval section, the run's response length, a seed. One definition
    /// for the in-domain evaluation during training and the out-of-domain one on the best checkpoint.
    /// </summary>
    public static EvaluationOptions EvaluationOf(SweepSpec spec, int maxNewTokens, ulong seed) => new()
    {
        SamplesPerProblem = spec.Eval.Samples,
        Temperature = spec.Eval.Temperature,
        TopP = spec.Eval.TopP,
        MaxNewTokens = maxNewTokens,
        Seed = seed,
    };

    /// <summary>The data set of the spec named <paramref name="benchmark"/> (test's or an ood entry's name), or null.</summary>
    public static DatasetSpec? Find(SweepSpec spec, string benchmark) =>
        spec.Data.Test.Name == benchmark ? spec.Data.Test : spec.Data.Ood.FirstOrDefault(d => d.Name == benchmark);

    /// <summary>
    /// Loads a data set within the silo's roots and limits (<paramref name="options"/>) for <paramref name="policy"/>:
    /// synthetic images are drawn at <see cref="SyntheticImageSize"/>; every image is resized to the model's input
    /// size later, by the trainer and the evaluator (<see cref="SaEI.Gpu.Tasks.Images.ModelInputs"/>).
    /// </summary>
    public static async Task<IReadOnlyList<VisualProblem>> LoadAsync(DatasetSpec data, IPolicyModel policy, DataOptions options, CancellationToken cancellation) =>
        await DataSources.LoadAsync(ToSource(data, SyntheticImageSize(policy), options), cancellation);

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

    public static DataSourceSpec ToSource(DatasetSpec data, int imageSize, DataOptions options)
    {
        if (data.Format != DatasetFormats.Synthetic)
            return new DataSourceSpec { Format = data.Format, Path = data.Path, MaxRows = data.Size, Limits = options.Limits, Roots = options.EffectiveRoots() };
        var families = data.Task is null or "all"
            ? Enum.GetValues<SyntheticFamily>()
            : data.Task.Split('+').Select(part => Enum.Parse<SyntheticFamily>(part, ignoreCase: true)).ToArray();
        return new DataSourceSpec
        {
            Format = DatasetFormats.Synthetic,
            MaxRows = data.Size ?? 1000,
            Synthetic = new SyntheticTaskOptions
            {
                Families = families,
                Difficulty = data.Difficulty ?? 1,
                ImageSize = imageSize,
                Seed = (ulong)(data.Seed ?? 0),
                Split = string.Equals(data.Split, "test", StringComparison.OrdinalIgnoreCase) ? SyntheticSplit.Test : SyntheticSplit.Train,
            },
        };
    }
}
