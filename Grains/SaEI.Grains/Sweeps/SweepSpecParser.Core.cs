namespace SaEI.Grains.Sweeps;

public static partial class SweepSpecParser
{
    private static SpecParseResult ParseCore(string yaml) => throw new NotImplementedException("TODO(#6): parser body");
}
