using System.Buffers.Binary;
using System.IO.Compression;
using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tests.Images;

/// <summary>Images written by the tests themselves.</summary>
internal static class TestImages
{
    /// <summary>A deterministic noisy image (every byte varies, so truncation or corruption shows).</summary>
    public static RgbImage Noise(int width, int height, int seed)
    {
        var rgb = new byte[width * height * 3];
        new Random(seed).NextBytes(rgb);
        return new RgbImage(width, height, rgb);
    }

    /// <summary>PNG bytes of <see cref="Noise"/>.</summary>
    public static byte[] NoisePng(int width, int height, int seed) => PngExport.Encode(Noise(width, height, seed));

    /// <summary>
    /// A structurally valid PNG that declares <paramref name="width"/>×<paramref name="height"/> RGB pixels but
    /// carries only a few bytes of compressed data: a decompression bomb header (a few hundred bytes in all).
    /// </summary>
    public static byte[] LyingPng(uint width, uint height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(0), width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type RGB
        WriteChunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
                zlib.Write(new byte[4096]); // zeros: squeezes to a few bytes
            WriteChunk(png, "IDAT", compressed.ToArray());
        }
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        png.Write(length);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typeAndData));
        png.Write(length);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
