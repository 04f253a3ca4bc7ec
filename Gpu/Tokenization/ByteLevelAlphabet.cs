namespace SaEI.Gpu.Tokenization;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c>: the bijection between the 256 byte values and 256 printable characters that
/// byte-level BPE vocabularies (GPT-2, Qwen) are written in. Bytes that are printable Latin-1 map to themselves
/// ('!'..'~', '¡'..'¬', '®'..'ÿ'); the other 68 map, in byte order, to U+0100, U+0101, … (space 0x20 → 'Ġ',
/// newline 0x0A → 'Ċ').
/// Decision: Microsoft.ML.Tokenizers keeps its own copy of this table internally and does not expose it; the tiny
/// tokenizer.json writer needs it to spell the 256 byte tokens and merges, so it is written out here (12 lines).
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = Build();

    /// <summary>The character that stands for byte <paramref name="value"/> in a byte-level vocabulary.</summary>
    public static char CharFor(byte value) => ByteToChar[value];

    /// <summary>The byte-level spelling of <paramref name="text"/>'s UTF-8 bytes ("a b" → "aĠb").</summary>
    public static string Spell(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return string.Create(
            bytes.Length,
            bytes,
            static (chars, source) =>
            {
                for (int i = 0; i < source.Length; i++)
                    chars[i] = ByteToChar[source[i]];
            }
        );
    }

    private static char[] Build()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }
}
