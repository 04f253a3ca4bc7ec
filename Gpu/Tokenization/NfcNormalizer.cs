using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace SaEI.Gpu.Tokenization;

/// <summary>
/// Unicode Normalization Form C (UAX #15): canonical decomposition, canonical reordering by combining class, then
/// canonical composition of primary composites (Hangul algorithmically). Qwen2's tokenizer.json normalises with NFC.
/// Decisions:
/// 1. Written by hand: the project runs with InvariantGlobalization (Directory.Build.props), under which .NET's
///    <see cref="string.Normalize(NormalizationForm)"/> returns non-ASCII text unchanged, and Microsoft.ML.Tokenizers
///    ships no NFC normaliser. The data (<see cref="NfcTables"/>) is generated from Unicode
///    <see cref="NfcTables.UnicodeVersion"/> by build/make_nfc_tables.py; characters assigned after that version pass
///    through unchanged (Hugging Face's Rust crate may know newer ones).
/// 2. Text whose characters are all below U+0300 is already NFC (no combining marks, no decomposable character that
///    is not its own composite) and is returned as is; that is nearly all English and LaTeX.
/// </summary>
public sealed class NfcNormalizer : Normalizer
{
    private const int SBase = 0xAC00,
        LBase = 0x1100,
        VBase = 0x1161,
        TBase = 0x11A7,
        LCount = 19,
        VCount = 21,
        TCount = 28;
    private const int NCount = VCount * TCount,
        SCount = LCount * NCount;

    private static readonly Dictionary<int, int[]> Decompositions = new();
    private static readonly Dictionary<int, byte> Classes = new();
    private static readonly Dictionary<long, int> Compositions = new();

    static NfcNormalizer()
    {
        foreach (string record in Records(NfcTables.Decompositions))
        {
            int colon = record.IndexOf(':');
            Decompositions[Hex(record[..colon])] = [.. record[(colon + 1)..].Split(',').Select(Hex)];
        }
        foreach (string record in Records(NfcTables.Classes))
        {
            int colon = record.IndexOf(':');
            Classes[Hex(record[..colon])] = (byte)Hex(record[(colon + 1)..]);
        }
        foreach (string record in Records(NfcTables.Compositions))
        {
            int composite = Hex(record);
            int[] pair = Decompositions[composite];
            Compositions[Key(pair[0], pair[1])] = composite;
        }
    }

    public static NfcNormalizer Instance { get; } = new();

    public override string Normalize(string original)
    {
        ArgumentNullException.ThrowIfNull(original);
        return original.AsSpan().IndexOfAnyExceptInRange('\0', '\u02FF') < 0 ? original : Compose(original);
    }

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());

    private static string Compose(string text)
    {
        // Decompose every code point fully, then order each run of non-starters by combining class (stable).
        var codePoints = new List<int>(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
            Decompose(rune.Value, codePoints);
        for (int i = 1; i < codePoints.Count; i++)
        {
            int c = codePoints[i],
                ccc = ClassOf(c),
                j = i;
            if (ccc == 0)
                continue;
            while (j > 0 && ClassOf(codePoints[j - 1]) > ccc)
            {
                codePoints[j] = codePoints[j - 1];
                j--;
            }
            codePoints[j] = c;
        }
        // Compose: each character joins the last starter unless a character between them blocks it.
        var result = new List<int>(codePoints.Count);
        int starter = -1,
            lastClass = -1;
        foreach (int c in codePoints)
        {
            int ccc = ClassOf(c);
            if (
                starter >= 0
                && (lastClass < ccc || lastClass == 0)
                && TryCompose(result[starter], c, out int composite)
            )
            {
                result[starter] = composite;
                continue;
            }
            if (ccc == 0)
                starter = result.Count;
            lastClass = ccc;
            result.Add(c);
        }
        var builder = new StringBuilder(text.Length);
        foreach (int c in result)
            builder.Append(char.ConvertFromUtf32(c));
        return builder.ToString();
    }

    private static void Decompose(int c, List<int> output)
    {
        if (c is >= SBase and < SBase + SCount)
        {
            int index = c - SBase;
            output.Add(LBase + index / NCount);
            output.Add(VBase + index % NCount / TCount);
            if (index % TCount != 0)
                output.Add(TBase + index % TCount);
            return;
        }
        if (!Decompositions.TryGetValue(c, out int[]? parts))
        {
            output.Add(c);
            return;
        }
        foreach (int part in parts)
            Decompose(part, output);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
            return true;
        }
        if (
            first is >= SBase and < SBase + SCount
            && (first - SBase) % TCount == 0
            && second is > TBase and < TBase + TCount
        )
        {
            composite = first + (second - TBase);
            return true;
        }
        return Compositions.TryGetValue(Key(first, second), out composite);
    }

    private static int ClassOf(int c) => Classes.TryGetValue(c, out byte ccc) ? ccc : 0;

    private static long Key(int first, int second) => ((long)first << 21) | (uint)second;

    private static IEnumerable<string> Records(string table) =>
        table.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);

    private static int Hex(string text) => int.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
