using static TorchSharp.torch;

namespace SaEI.Gpu.Models;

/// <summary>An image's size in pixels (rows, columns).</summary>
public readonly record struct ImageSize(int Height, int Width)
{
    public override string ToString() => $"{Height}x{Width}";
}

/// <summary>
/// The images of N rows, each at its own size: <see cref="Pixels"/> [N,3,Hmax,Wmax] float32 in [0,1] holds row i's
/// image in its top-left <see cref="Sizes"/>[i] corner and zeros elsewhere. Real datasets resize each image to its
/// own grid (Qwen2.5-VL's smart resize), so the policy contract takes one image per row at its own size.
/// Decisions:
/// 1. Padded pixels plus sizes, not a list of tensors: batched tensor code (repeat per group, select rows, EgAS's
///    elementwise sign step and box projection, diffusion noise) keeps working on one tensor; a model crops each
///    row to its size. The padding gets no gradient from a model (it is never read), so EgAS never moves it;
///    noise is masked off it (<see cref="Mask"/>).
/// 2. Owns <see cref="Pixels"/>; the row operations return new batches that own new tensors.
/// </summary>
public sealed class ImageBatch : IDisposable
{
    private readonly ImageSize[] sizes;

    /// <summary>pixels [N,3,Hmax,Wmax]; sizes: one per row, each within Hmax×Wmax.</summary>
    public ImageBatch(Tensor pixels, IReadOnlyList<ImageSize> sizes)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(sizes);
        if (pixels.dim() != 4 || pixels.shape[1] != 3 || pixels.shape[0] != sizes.Count)
            throw new ArgumentException(
                $"ImageBatch expects pixels [N,3,H,W] with one size per row; got [{string.Join(",", pixels.shape)}] "
                    + $"and {sizes.Count} sizes."
            );
        for (int i = 0; i < sizes.Count; i++)
        {
            if (
                sizes[i].Height < 1
                || sizes[i].Width < 1
                || sizes[i].Height > pixels.shape[2]
                || sizes[i].Width > pixels.shape[3]
            )
                throw new ArgumentException(
                    $"Row {i}'s image size {sizes[i]} does not fit the padded pixels "
                        + $"[{string.Join(",", pixels.shape)}]."
                );
        }
        Pixels = pixels;
        this.sizes = [.. sizes];
    }

    /// <summary>[N,3,Hmax,Wmax] in [0,1]; zeros outside each row's image.</summary>
    public Tensor Pixels { get; }

    /// <summary>Each row's image size.</summary>
    public IReadOnlyList<ImageSize> Sizes => sizes;

    public long Count => sizes.Length;

    /// <summary>True when every row's image fills the padded size (no padding anywhere).</summary>
    public bool IsUniform => sizes.All(s => s.Height == Pixels.shape[2] && s.Width == Pixels.shape[3]);

    /// <summary>Rows of one size: pixels [N,3,H,W], every row's image H×W.</summary>
    public static ImageBatch Uniform(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.dim() != 4)
            throw new ArgumentException(
                $"Expected pixels [N,3,H,W]; got [{string.Join(",", pixels.shape)}].",
                nameof(pixels)
            );
        var size = new ImageSize((int)pixels.shape[2], (int)pixels.shape[3]);
        return new ImageBatch(pixels, Enumerable.Repeat(size, (int)pixels.shape[0]).ToArray());
    }

    /// <summary>Images [3,H_i,W_i] in [0,1] → one padded batch on <paramref name="device"/> (the inputs are not
    /// owned).</summary>
    public static ImageBatch Pack(IReadOnlyList<Tensor> images, Device device)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            throw new ArgumentException("Cannot batch zero images.", nameof(images));
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].dim() != 3 || images[i].shape[0] != 3)
                throw new ArgumentException(
                    $"Image {i} has shape [{string.Join(",", images[i].shape)}]; expected [3,H,W].",
                    nameof(images)
                );
        }
        long height = images.Max(image => image.shape[1]),
            width = images.Max(image => image.shape[2]);
        using var scope = NewDisposeScope();
        var pixels = zeros([images.Count, 3, height, width], float32, device); // [N,3,Hmax,Wmax]
        using (no_grad())
        {
            for (int i = 0; i < images.Count; i++)
            {
                pixels[i].narrow(1, 0, images[i].shape[1]).narrow(2, 0, images[i].shape[2]).copy_(images[i]);
            }
        }
        var sizes = images.Select(image => new ImageSize((int)image.shape[1], (int)image.shape[2])).ToArray();
        return new ImageBatch(pixels.MoveToOuterDisposeScope(), sizes);
    }

    /// <summary>Row <paramref name="row"/>'s image [3,h,w] (a view of <see cref="Pixels"/>; gradients flow through
    /// it).</summary>
    public Tensor Image(int row) => Pixels[row].narrow(1, 0, sizes[row].Height).narrow(2, 0, sizes[row].Width);

    /// <summary>[N,1,Hmax,Wmax] float32 (on the pixels' device): 1 inside each row's image, 0 on the padding.</summary>
    public Tensor Mask()
    {
        using var scope = NewDisposeScope();
        var mask = zeros([Count, 1, Pixels.shape[2], Pixels.shape[3]], float32, Pixels.device);
        for (int i = 0; i < sizes.Length; i++)
            mask[i].narrow(1, 0, sizes[i].Height).narrow(2, 0, sizes[i].Width).fill_(Runtime.Scalars.OneDouble);
        return mask.MoveToOuterDisposeScope();
    }

    /// <summary>The same sizes over other pixels of the same shape (an EgAS iterate, a noisy copy).</summary>
    public ImageBatch WithPixels(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (!pixels.shape.SequenceEqual(Pixels.shape))
            throw new ArgumentException(
                $"WithPixels expects [{string.Join(",", Pixels.shape)}]; got [{string.Join(",", pixels.shape)}].",
                nameof(pixels)
            );
        return new ImageBatch(pixels, sizes);
    }

    /// <summary>Each row repeated <paramref name="repeats"/> times in place (row n = b·G + g).</summary>
    public ImageBatch RepeatInterleave(long repeats) =>
        new(Pixels.repeat_interleave(repeats, 0), [.. sizes.SelectMany(size => Enumerable.Repeat(size, (int)repeats))]);

    /// <summary>Rows <paramref name="rows"/> (int64 [R]) in that order.</summary>
    public ImageBatch IndexSelect(Tensor rows)
    {
        long[] indices = rows.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        return new ImageBatch(Pixels.index_select(0, rows.to(Pixels.device)), [.. indices.Select(i => sizes[i])]);
    }

    /// <summary>Rows start..start+length−1.</summary>
    public ImageBatch Narrow(long start, long length) =>
        new(Pixels.narrow(0, start, length), sizes.Skip((int)start).Take((int)length).ToArray());

    /// <summary>Rows of several batches in order; pads to the largest size among them.</summary>
    public static ImageBatch Cat(IReadOnlyList<ImageBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0)
            throw new ArgumentException("Cannot concatenate zero batches.", nameof(batches));
        long height = batches.Max(b => b.Pixels.shape[2]),
            width = batches.Max(b => b.Pixels.shape[3]);
        using var scope = NewDisposeScope();
        var padded = batches
            .Select(b => nn.functional.pad(b.Pixels, [0, width - b.Pixels.shape[3], 0, height - b.Pixels.shape[2]]))
            .ToList();
        var pixels = cat(padded, 0);
        return new ImageBatch(pixels.MoveToOuterDisposeScope(), [.. batches.SelectMany(b => b.sizes)]);
    }

    public ImageBatch To(Device device) => new(Pixels.to(device), sizes);

    public ImageBatch Detach() => new(Pixels.detach(), sizes);

    public ImageBatch Clone() => new(Pixels.clone(), sizes);

    public void Dispose() => Pixels.Dispose();
}
