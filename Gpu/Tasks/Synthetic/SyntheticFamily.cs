namespace SaEI.Gpu.Tasks.Synthetic;

/// <summary>The synthetic visual-reasoning families (the closed set; one generator file each).</summary>
public enum SyntheticFamily
{
    /// <summary>"How many red shapes?" — count the shapes of one colour among others.</summary>
    Counting,

    /// <summary>"What is the sum of the numbers?" — add the numbers written in the image.</summary>
    Sum,

    /// <summary>"How long is the longer bar?" — bars made of unit blocks; answer the longest length in
    /// blocks.</summary>
    Length,

    /// <summary>"What is the perimeter?" / "What is the missing angle?" — a figure with labelled sides or
    /// angles.</summary>
    Geometry,

    /// <summary>"How many more red shapes than blue shapes?" — count shapes of two or three colours, then
    /// combine.</summary>
    Compare,
}
