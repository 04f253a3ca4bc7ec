using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Tests.Tokenization;

/// <summary>Qwen2's split, by hand from the pattern (docs/qwen25vl.md §1.6), including code points above
/// U+FFFF.</summary>
public sealed class QwenPreTokenizerTests
{
    private static string[] Pieces(string text) =>
        [.. QwenPreTokenizer.Split(text).Select(piece => text.Substring(piece.Offset, piece.Length))];

    [Theory]
    [InlineData("Hello world", new[] { "Hello", " world" })]
    [InlineData("abc  def", new[] { "abc", " ", " def" })] // \s+(?!\S) leaves the last space to the word
    [InlineData("x123", new[] { "x", "1", "2", "3" })] // digits one by one
    [InlineData("don't", new[] { "don", "'t" })]
    [InlineData("WE'LL", new[] { "WE", "'LL" })] // contractions ignore case
    [InlineData("a\n\nb", new[] { "a", "\n\n", "b" })]
    [InlineData("f(x)=1;", new[] { "f", "(x", ")=", "1", ";" })] // a word takes one leading non-letter
    [InlineData("😀abc", new[] { "😀abc" })] // an astral symbol leads a word like '(' does
    [InlineData("a𝑥b c", new[] { "a𝑥b", " c" })] // 𝑥 (U+1D465) is a letter
    [InlineData("𝟏𝟐3", new[] { "𝟏", "𝟐", "3" })] // 𝟏 (U+1D7CF) is a digit
    [InlineData("𠀀字 ok", new[] { "𠀀字", " ok" })] // CJK Extension B is a letter
    public void Split_GivesHuggingFacesPieces(string text, string[] expected) => Assert.Equal(expected, Pieces(text));

    [Fact]
    public void Pieces_CoverTheTextInOrder()
    {
        string text = "Mixed 😀 text,\r\n  with 𝑥 = 𝟏𝟐 and \uD800 a lone surrogate.";
        Assert.Equal(text, string.Concat(Pieces(text)));
    }

    [Fact]
    public void LibraryRegexPreTokenizer_SplitsAstralCharactersDifferently_WhichIsWhyThisOneExists()
    {
        var library = new RegexPreTokenizer(new Regex(QwenPreTokenizer.Pattern), null);
        string text = "😀abc";
        Assert.Equal(2, library.PreTokenize(text).Count());
        Assert.Single(QwenPreTokenizer.Split(text));
    }
}
