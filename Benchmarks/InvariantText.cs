using System.Globalization;
using System.Runtime.CompilerServices;

namespace SaEI.Benchmarks;

/// <summary>
/// An interpolated string formatted with the invariant culture, for benchmark lines (a '.' decimal point on every
/// machine). A handler rather than a FormattableString, so a long line may be written as $"a " + $"b" (the compiler
/// lowers a sum of interpolated strings into one handler; it cannot make one FormattableString of it).
/// </summary>
[InterpolatedStringHandler]
internal ref struct InvariantText
{
    private DefaultInterpolatedStringHandler text;

    public InvariantText(int literalLength, int formattedCount) =>
        text = new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture);

    public void AppendLiteral(string value) => text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => text.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => text.AppendFormatted(value, format);

    public void AppendFormatted<T>(T value, int alignment) => text.AppendFormatted(value, alignment);

    public void AppendFormatted<T>(T value, int alignment, string? format) =>
        text.AppendFormatted(value, alignment, format);

    public string ToStringAndClear() => text.ToStringAndClear();
}
