using Microsoft.Extensions.Configuration;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// Bounds on a sweep spec, checked before anything else reads it (configuration section "Saei:Specs", e.g. the
/// environment variable Saei__Specs__MaxRuns). A spec is user input that reaches the silo through the gateway: these
/// keep one request from exhausting a silo's stack (nesting), memory (size, runs) or a terminal (errors).
/// Real specs are far inside every default: examples/ are under 3 KiB, 4 levels deep, at most 24 runs.
/// </summary>
public sealed class SpecLimits
{
    public const string Section = "Saei:Specs";

    /// <summary>The defaults (used when nothing is configured).</summary>
    public static SpecLimits Default { get; } = new();

    /// <summary>
    /// For re-reading a spec stored at launch (experiments/{exp}/spec.yaml): it was accepted under the launching silo's
    /// limits, which an operator may have raised, so size and run count are not checked again; nesting still is (the
    /// stack of the reading process is what it guards).
    /// </summary>
    public static SpecLimits Stored { get; } = new() { MaxBytes = int.MaxValue, MaxRuns = int.MaxValue };

    /// <summary>Largest spec in UTF-8 bytes. Default 1 MiB.</summary>
    public int MaxBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Deepest nesting of mappings and lists. Default 64 (a spec needs 4: data → ood → [ ] → { }); at most <see
    /// cref="DepthCeiling"/>, since YamlDotNet's tree loader recurses per level and its scanner rechecks every open
    /// level per token (a limit of thousands would reopen the stack overflow and make the check quadratic).
    /// </summary>
    public int MaxDepth { get; set; } = 64;

    /// <summary>The highest <see cref="MaxDepth"/> an operator may configure.</summary>
    public const int DepthCeiling = 1000;

    /// <summary>Most runs one sweep may expand to (methods × grid points × seeds). Default 10,000.</summary>
    public int MaxRuns { get; set; } = 10_000;

    /// <summary>Problems listed before the list stops (with a count of the rest). Default 100.</summary>
    public int MaxErrors { get; set; } = 100;

    /// <summary>How an operator changes <paramref name="property"/>: its configuration key and environment
    /// variable.</summary>
    public static string Setting(string property) =>
        $"set by {Section}:{property}, environment variable Saei__Specs__{property}";

    /// <summary>The limits of the "Saei:Specs" section of <paramref name="configuration"/>; defaults for what it does
    /// not set.</summary>
    public static SpecLimits From(IConfiguration configuration)
    {
        var limits = new SpecLimits();
        configuration.GetSection(Section).Bind(limits);
        limits.ThrowIfInvalid();
        return limits;
    }

    /// <summary>The limits from the process environment (the offline `saei sweep validate` reads what a silo
    /// would).</summary>
    public static SpecLimits FromEnvironment() => From(new ConfigurationBuilder().AddEnvironmentVariables().Build());

    /// <summary>Throws naming the setting when a limit is not positive.</summary>
    public SpecLimits ThrowIfInvalid()
    {
        if (MaxDepth > DepthCeiling)
            throw new ArgumentException(
                $"{Section}:{nameof(MaxDepth)} is {MaxDepth}; set 1..{DepthCeiling} (environment variable "
                    + $"Saei__Specs__{nameof(MaxDepth)})."
            );
        foreach (
            var (name, value) in new[]
            {
                (nameof(MaxBytes), MaxBytes),
                (nameof(MaxDepth), MaxDepth),
                (nameof(MaxRuns), MaxRuns),
                (nameof(MaxErrors), MaxErrors),
            }
        )
            if (value < 1)
                throw new ArgumentException(
                    $"{Section}:{name} is {value}; set a positive limit (environment variable Saei__Specs__{name})."
                );
        return this;
    }
}
