using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Tests.Tokenization;

/// <summary>NFC against Python's <c>unicodedata.normalize("NFC", s)</c> (expected values printed by it, Unicode
/// 14).</summary>
public sealed class NfcNormalizerTests
{
    [Theory]
    [InlineData("cafe\u0301", "caf\u00E9")] // compose
    [InlineData("A\u030A \u212B", "\u00C5 \u00C5")] // Angstrom sign: a singleton, decomposed then composed
    [InlineData("a\u0300\u0317", "\u00E0\u0317")] // reorder (230 after 220), then compose past the 220
    [InlineData("\u1100\u1161\u11A8", "\uAC01")] // Hangul L V T
    [InlineData("\uAC00\u11A8", "\uAC01")] // Hangul LV + T
    [InlineData("e\u0301\u0301", "\u00E9\u0301")] // the second acute is blocked by the first
    [InlineData("\u0F73", "\u0F71\u0F72")] // composition exclusion (non-starter decomposition)
    [InlineData("\u2126 ohm", "\u03A9 ohm")]
    [InlineData("q\u0307\u0323", "q\u0323\u0307")] // reorder without a composite
    [InlineData("\u1E0B\u0323", "\u1E0D\u0307")] // decompose, reorder, recompose the other way
    [InlineData("\U0001D15E", "\U0001D157\U0001D165")] // astral, excluded from composition
    [InlineData("s\u0323\u0307", "\u1E69")] // two-step composition
    [InlineData("\u0344", "\u0308\u0301")]
    [InlineData("A\u030A\u0301", "\u01FA")]
    [InlineData("\u0301a", "\u0301a")] // a leading non-starter composes with nothing
    [InlineData("\U0001D15F\u0301x", "\U0001D158\U0001D165\u0301x")]
    public void Normalize_EqualsPythonsNfc(string text, string expected) =>
        Assert.Equal(expected, NfcNormalizer.Instance.Normalize(text));

    [Fact]
    public void TextBelowU0300_IsReturnedAsIs() =>
        Assert.Same("plain \\frac{a}{b} \u00E9", NfcNormalizer.Instance.Normalize("plain \\frac{a}{b} \u00E9"));

    [Fact]
    public void NfcText_IsUnchanged()
    {
        const string text = "中文 日本語 한국어 Ελληνικά Русский العربية हिन्दी 😀👍🏽 \u00E9\u0317";
        Assert.Equal(text, NfcNormalizer.Instance.Normalize(text));
    }
}
