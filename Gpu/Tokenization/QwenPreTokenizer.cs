using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace SaEI.Gpu.Tokenization;

/// <summary>
/// Qwen2's pre-tokenisation: the text is cut into the matches of <see cref="Pattern"/> (Hugging Face
/// <c>Split(pattern, behavior: Isolated)</c>), each of which is then byte-level BPE-encoded on its own. Digits come
/// out one per piece (<c>\p{N}</c>), a word keeps one leading non-letter (" world", "(x"), whitespace runs stay whole
/// except the last space before a word.
/// Decisions:
/// 1. Written by hand around .NET's <see cref="Regex"/> because Microsoft.ML.Tokenizers' <c>RegexPreTokenizer</c>
///    matches per UTF-16 code unit while Hugging Face (Rust, Oniguruma) matches per code point: an astral character
///    (emoji, CJK Extension B, mathematical letters 𝑥) is two surrogates of category Cs to .NET, so "😀abc" splits as
///    "😀","abc" instead of "😀abc", and "a𝑥b" as "a","𝑥","b" instead of one word; different pieces, different ids.
/// 2. The fix: when the text holds surrogates, the regex runs on a stand-in string with one character per code
///    point (an astral letter becomes 'x', an astral digit '0', any other astral character or lone surrogate '#'
///    — each of the same class under every part of the pattern), and the matches are mapped back to the original
///    offsets. Text without surrogates (almost all) runs the regex directly.
/// 3. Character classes are .NET's Unicode tables; <c>\s</c> is .NET's (white space and U+0085), the same set as
///    Rust's <c>\s</c> for every assigned character we know of.
/// 4. Added/special tokens are not handled here: <see cref="QwenTokenizer"/> splits them out of the raw text first,
///    as Hugging Face does, and hands only the text between them to this pre-tokeniser.
/// </summary>
public sealed partial class QwenPreTokenizer : PreTokenizer
{
    /// <summary>Qwen2's pattern exactly as tokenizer.json spells it
    /// (<c>pre_tokenizer.pretokenizers[0].pattern.Regex</c>).</summary>
    public const string Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| "
        + @"?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    [GeneratedRegex(Pattern)]
    private static partial Regex QwenRegex();

    public static QwenPreTokenizer Instance { get; } = new();

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
        string.IsNullOrEmpty(text) ? [] : Split(text);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) =>
        text.IsEmpty ? [] : Split(text.ToString());

    /// <summary>The (offset, length) of every piece of <paramref name="text"/>, in order, covering all of it.</summary>
    public static IReadOnlyList<(int Offset, int Length)> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = new List<(int Offset, int Length)>();
        if (!HasSurrogates(text))
        {
            foreach (var match in QwenRegex().EnumerateMatches(text))
                pieces.Add((match.Index, match.Length));
            return pieces;
        }
        // starts[k] = offset in text of the code point that stand-in character k represents; starts[^1] = text.Length.
        var (standIn, starts) = CodePointStandIn(text);
        foreach (var match in QwenRegex().EnumerateMatches(standIn))
        {
            int offset = starts[match.Index];
            pieces.Add((offset, starts[match.Index + match.Length] - offset));
        }
        return pieces;
    }

    private static bool HasSurrogates(string text) => text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    private static (string StandIn, int[] Starts) CodePointStandIn(string text)
    {
        var standIn = new char[text.Length];
        var starts = new int[text.Length + 1];
        int count = 0;
        for (int i = 0; i < text.Length; )
        {
            starts[count] = i;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                int codePoint = char.ConvertToUtf32(text[i], text[i + 1]);
                standIn[count++] = CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
                {
                    UnicodeCategory.UppercaseLetter
                    or UnicodeCategory.LowercaseLetter
                    or UnicodeCategory.TitlecaseLetter
                    or UnicodeCategory.ModifierLetter
                    or UnicodeCategory.OtherLetter => 'x',
                    UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber =>
                        '0',
                    _ => '#',
                };
                i += 2;
            }
            else
            {
                standIn[count++] = char.IsSurrogate(text[i]) ? '#' : text[i];
                i++;
            }
        }
        starts[count] = text.Length;
        return (new string(standIn, 0, count), starts);
    }
}
