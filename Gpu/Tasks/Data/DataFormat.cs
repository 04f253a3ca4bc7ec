namespace SaEI.Gpu.Tasks.Data;

/// <summary>The data formats <see cref="DataSources"/> reads (the closed set).</summary>
public enum DataFormat
{
    Geometry3k,
    Mmk12,
    MmEureka,
    MathVista,
    MathVerse,
    MathVision,
    HallusionBench,
    Synthetic,
}
