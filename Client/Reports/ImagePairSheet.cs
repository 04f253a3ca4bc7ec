using SkiaSharp;

namespace SaEI.Client.Reports;

/// <summary>A clean image and its perturbed counterpart, as RGB bytes (row-major, 3 bytes a pixel).</summary>
public sealed record ImagePair(string Caption, int Width, int Height, byte[] CleanRgb, byte[] PerturbedRgb);

/// <summary>
/// The paper's Fig. 5: rows of clean | adversarial | perturbation. The perturbation is shown as |Δ| stretched so the
/// largest change is white, since at η = 2/255 it is invisible at its true scale; each row's caption gives the size.
/// </summary>
public static class ImagePairSheet
{
    private const int Scale = 4;
    private const int Margin = 12;
    private const int CaptionHeight = 22;

    public static void Save(string path, IReadOnlyList<ImagePair> pairs)
    {
        if (pairs.Count == 0)
            throw new ArgumentException("no image pairs to draw", nameof(pairs));
        int cell = pairs.Max(p => Math.Max(p.Width, p.Height)) * Scale;
        int width = Margin + 3 * (cell + Margin);
        int height = Margin + CaptionHeight + pairs.Count * (cell + CaptionHeight + Margin);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 14);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        string[] headers = ["clean", "perturbed", "|Δ| stretched"];
        for (int c = 0; c < 3; c++)
            canvas.DrawText(headers[c], Margin + c * (cell + Margin), Margin + 14, font, ink);

        int y = Margin + CaptionHeight;
        foreach (var pair in pairs)
        {
            byte[] delta = new byte[pair.CleanRgb.Length];
            int largest = 1;
            for (int i = 0; i < delta.Length; i++)
                largest = Math.Max(largest, Math.Abs(pair.PerturbedRgb[i] - pair.CleanRgb[i]));
            for (int i = 0; i < delta.Length; i++)
                delta[i] = (byte)(255 * Math.Abs(pair.PerturbedRgb[i] - pair.CleanRgb[i]) / largest);
            byte[][] columns = [pair.CleanRgb, pair.PerturbedRgb, delta];
            for (int c = 0; c < 3; c++)
            {
                using var bitmap = ToBitmap(pair.Width, pair.Height, columns[c]);
                var target = new SKRect(
                    Margin + c * (cell + Margin),
                    y,
                    Margin + c * (cell + Margin) + pair.Width * Scale,
                    y + pair.Height * Scale
                );
                using var image = SKImage.FromBitmap(bitmap);
                canvas.DrawImage(image, target, new SKSamplingOptions(SKFilterMode.Nearest));
            }
            canvas.DrawText($"{pair.Caption}   max |Δ| = {largest}/255", Margin, y + cell + 16, font, ink);
            y += cell + CaptionHeight + Margin;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    private static SKBitmap ToBitmap(int width, int height, byte[] rgb)
    {
        var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int yy = 0; yy < height; yy++)
        for (int xx = 0; xx < width; xx++)
        {
            int i = 3 * (yy * width + xx);
            bitmap.SetPixel(xx, yy, new SKColor(rgb[i], rgb[i + 1], rgb[i + 2]));
        }
        return bitmap;
    }
}
