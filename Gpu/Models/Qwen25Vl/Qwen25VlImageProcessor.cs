using SaEI.Gpu.Tasks.Images;
using static TorchSharp.torch;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// Qwen2VLImageProcessor (also Qwen2.5-VL's, docs/qwen25vl.md §1.3) as differentiable tensor code, from [0,1] pixels to
/// the vision tower's input:
/// <code>
/// x = (image − mean_c) / std_c                                    [C,h,w]   h, w multiples of patch·merge
/// frames = x repeated T = temporal_patch_size times               [T,C,h,w]
/// pixel_values = frames.reshape(1, T, C, h/p/m, m, p, w/p/m, m, p)
///                      .permute(0, 3, 6, 4, 7, 2, 1, 5, 8)         (gt, bh, bw, mh, mw, c, t, py, px)
///                      .reshape(h/p · w/p, C·T·p·p)               rows in 2×2 merge-block order
/// image_grid_thw = (1, h/p, w/p)
/// </code>
/// Decisions:
/// 1. The resize happens earlier, on the 8-bit image (<see cref="Resize"/>, <see cref="InputSize"/>), as in HF and
///    before EgAS: the attack moves the [0,1] pixels of the resized image, and gradients reach them through every
///    step here (the frame copy is an expand, so both frames' gradients add up).
/// 2. Images whose sides are not multiples of patch·merge are refused with the size they should have, not resized
///    here: a resize inside the differentiable path would change what the attack optimises.
/// 3. Arithmetic in the images' dtype (float32 matches HF's float32 to ~2e-7 on case A; float64 for finite
///    differences).
/// </summary>
public sealed class Qwen25VlImageProcessor
{
    /// <summary>The processor for <paramref name="config"/>; <paramref name="preprocessor"/> from
    /// preprocessor_config.json, or the published defaults.</summary>
    public Qwen25VlImageProcessor(Qwen25VlVisionConfig config, Qwen25VlPreprocessorConfig? preprocessor = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Preprocessor = preprocessor ?? new Qwen25VlPreprocessorConfig();
        Preprocessor.Validate();
        void Agree(int? value, int expected, string key, string visionKey)
        {
            if (value is { } v && v != expected)
                throw new InvalidDataException(
                    $"preprocessor_config.json {key} {v} disagrees with config.json vision_config.{visionKey} "
                        + $"{expected}; use the files of one checkpoint."
                );
        }
        Agree(Preprocessor.PatchSize, config.PatchSize, "patch_size", "patch_size");
        Agree(Preprocessor.MergeSize, config.SpatialMergeSize, "merge_size", "spatial_merge_size");
        Agree(Preprocessor.TemporalPatchSize, config.TemporalPatchSize, "temporal_patch_size", "temporal_patch_size");
    }

    public Qwen25VlVisionConfig Config { get; }

    public Qwen25VlPreprocessorConfig Preprocessor { get; }

    /// <summary>Values per pixel_values row: C·T·p·p (1176 for the 7B).</summary>
    public int PatchValues => Config.InChannels * Config.TemporalPatchSize * Config.PatchSize * Config.PatchSize;

    /// <summary>The size an image of <paramref name="original"/> size is resized to (smart resize with this
    /// checkpoint's bounds).</summary>
    public ImageSize InputSize(ImageSize original) =>
        SmartResize.Compute(
            original.Height,
            original.Width,
            Config.Factor,
            Preprocessor.MinPixels,
            Preprocessor.MaxPixels
        );

    /// <summary>The 8-bit image resized (bicubic) to <see cref="InputSize"/>.</summary>
    public RgbImage Resize(RgbImage image) =>
        SmartResize.Resize(image, Config.Factor, Preprocessor.MinPixels, Preprocessor.MaxPixels);

    /// <summary>The grid (t, h, w) in patch units of an already resized image.</summary>
    public long[] GridThw(ImageSize inputSize)
    {
        if (
            inputSize.Height < Config.Factor
            || inputSize.Width < Config.Factor
            || inputSize.Height % Config.Factor != 0
            || inputSize.Width % Config.Factor != 0
        )
            throw new ArgumentException(
                $"Image size {inputSize} is not a model input size: both sides must be positive multiples of "
                    + $"{Config.Factor} (patch·merge). Resize it to InputSize(original) = {SafeInputSize(inputSize)} "
                    + $"first.",
                nameof(inputSize)
            );
        return [1, inputSize.Height / Config.PatchSize, inputSize.Width / Config.PatchSize];
    }

    /// <summary>Image tokens (&lt;|image_pad|&gt; copies) for an image of the resized size: t·h·w / merge².</summary>
    public int TokenCount(ImageSize inputSize)
    {
        long[] grid = GridThw(inputSize);
        return checked((int)(grid[0] * grid[1] * grid[2] / (Config.SpatialMergeSize * Config.SpatialMergeSize)));
    }

    /// <summary>Each row's image (cropped to its size, sides multiples of patch·merge) → pixel_values [ΣS_i, C·T·p·p]
    /// and grid (t,h,w) per image.</summary>
    public (Tensor PixelValues, IReadOnlyList<long[]> GridThw) Preprocess(ImageBatch images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return Preprocess([.. Enumerable.Range(0, (int)images.Count).Select(images.Image)]);
    }

    /// <summary>Images [3,h,w] in [0,1] (sides multiples of patch·merge) → pixel_values [ΣS_i, C·T·p·p] and grid per
    /// image.</summary>
    public (Tensor PixelValues, IReadOnlyList<long[]> GridThw) Preprocess(IReadOnlyList<Tensor> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            throw new ArgumentException("Preprocess needs at least one image.", nameof(images));
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>(images.Count);
        var grids = new List<long[]>(images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            if (image.dim() != 3 || image.shape[0] != Config.InChannels)
                throw new ArgumentException(
                    $"Image {i} has shape [{string.Join(",", image.shape)}]; expected [{Config.InChannels},H,W] in "
                        + $"[0,1].",
                    nameof(images)
                );
            grids.Add(GridThw(new ImageSize((int)image.shape[1], (int)image.shape[2])));
            rows.Add(Patchify(image));
        }
        var pixelValues = rows.Count == 1 ? rows[0] : cat(rows, 0);
        return (pixelValues.MoveToOuterDisposeScope(), grids);
    }

    /// <summary>image_grid_thw as HF returns it: int64 [n,3].</summary>
    public static Tensor GridTensor(IReadOnlyList<long[]> gridThw, Device? device = null) =>
        tensor(gridThw.SelectMany(g => g).ToArray(), [gridThw.Count, 3], ScalarType.Int64, device);

    /// <summary>One image [C,h,w] in [0,1] → its pixel_values rows [h/p·w/p, C·T·p·p].</summary>
    private Tensor Patchify(Tensor image)
    {
        using var scope = NewDisposeScope();
        long channels = image.shape[0],
            temporal = Config.TemporalPatchSize,
            p = Config.PatchSize,
            m = Config.SpatialMergeSize;
        long gridH = image.shape[1] / p,
            gridW = image.shape[2] / p;
        var mean = tensor(Preprocessor.ImageMean.ToArray(), image.dtype, image.device).view(channels, 1, 1);
        var std = tensor(Preprocessor.ImageStd.ToArray(), image.dtype, image.device).view(channels, 1, 1);
        var normalised = image.sub(mean).div(std); // [C,h,w]
        var frames = normalised.unsqueeze(0).expand(temporal, channels, image.shape[1], image.shape[2]); // [T,C,h,w]
        var patches = frames
            .reshape(1, temporal, channels, gridH / m, m, p, gridW / m, m, p)
            .permute(0, 3, 6, 4, 7, 2, 1, 5, 8) // [1,bh,bw,mh,mw,C,T,p,p]
            .reshape(gridH * gridW, channels * temporal * p * p); // [S, C·T·p·p]
        return patches.MoveToOuterDisposeScope();
    }

    private string SafeInputSize(ImageSize size)
    {
        try
        {
            return InputSize(size).ToString();
        }
        catch (ArgumentException e)
        {
            return $"(none: {e.Message})";
        }
    }
}
