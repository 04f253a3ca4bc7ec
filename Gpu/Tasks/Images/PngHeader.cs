using System.Buffers.Binary;

namespace SaEI.Gpu.Tasks.Images;

/// <summary>
/// Reads a PNG's declared size from its IHDR chunk (the first chunk after the 8-byte signature, PNG spec §11.2.2)
/// without decoding anything, so that a huge declared size is rejected before a decoder allocates.
/// </summary>
internal static class PngHeader
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>True when the bytes start with the PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> bytes) => bytes.Length >= 8 && bytes[..8].SequenceEqual(Signature);

    /// <summary>Width and height from IHDR; false when the header is truncated or IHDR is not the first
    /// chunk.</summary>
    public static bool TryReadSize(ReadOnlySpan<byte> bytes, out long width, out long height)
    {
        width = height = 0;
        // signature (8) | length (4) | "IHDR" (4) | width (4) | height (4) | ...
        if (!IsPng(bytes) || bytes.Length < 24)
            return false;
        if (BinaryPrimitives.ReadUInt32BigEndian(bytes[8..12]) != 13)
            return false;
        if (!bytes[12..16].SequenceEqual("IHDR"u8))
            return false;
        width = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..20]);
        height = BinaryPrimitives.ReadUInt32BigEndian(bytes[20..24]);
        return true;
    }
}
