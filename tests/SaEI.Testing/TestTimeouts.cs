using System.Globalization;

namespace SaEI.Testing;

/// <summary>
/// Scales the tests' waits to the machine: a loaded machine (another build beside the suite, a CI runner) is slower,
/// not wrong. SAEI_TEST_TIMEOUT_SCALE (a positive number, e.g. 3) multiplies every timeout; unset, it is 1, or 3
/// under CI=true.
/// </summary>
public static class TestTimeouts
{
    public const string ScaleVariable = "SAEI_TEST_TIMEOUT_SCALE";

    /// <summary>The factor applied to every timeout.</summary>
    public static double Scale { get; } = ReadScale();

    /// <summary>The timeout for this machine.</summary>
    public static TimeSpan Scaled(TimeSpan timeout) => timeout * Scale;

    private static double ReadScale()
    {
        string? text = Environment.GetEnvironmentVariable(ScaleVariable);
        if (string.IsNullOrWhiteSpace(text))
            return string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
                ? 3
                : 1;
        if (
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double scale)
            && scale > 0
            && double.IsFinite(scale)
        )
            return scale;
        throw new InvalidOperationException(
            $"{ScaleVariable} is '{text}'; set a positive number such as 2 (every test timeout is multiplied by it)."
        );
    }
}
