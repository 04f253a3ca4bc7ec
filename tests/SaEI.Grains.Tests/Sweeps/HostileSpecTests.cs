using System.Diagnostics;
using SaEI.Grains.Sweeps;
using SaEI.Testing;

namespace SaEI.Grains.Tests.Sweeps;

/// <summary>
/// The hostile-spec corpus against the parser (issue #11, items 2, 5, 10): each case fails with one clear error naming
/// the thing and the limit, quickly and with a bounded report. The grain and the silo process get the same corpus in
/// Experiments/HostileLaunchTests and SaEI.Client.Tests/Sweeps/HostileSpecSiloTests.
/// </summary>
public sealed class HostileSpecTests
{
    public static TheoryData<string> CaseNames() => [.. HostileSpecs.All("x").Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Each_hostile_spec_is_refused_with_an_error_naming_the_thing_and_the_limit(string name)
    {
        var @case = HostileSpecs.All("hostile").Single(c => c.Name == name);
        var clock = Stopwatch.StartNew();
        var result = SweepSpecParser.Parse(@case.Yaml);
        clock.Stop();

        Assert.False(result.Ok, $"{name}: accepted");
        string report = string.Join("\n", result.Errors);
        foreach (string expected in @case.Expected)
            Assert.Contains(expected, report, StringComparison.Ordinal);
        Assert.True(
            result.Errors.Count <= SpecLimits.Default.MaxErrors + 1,
            $"{name}: {result.Errors.Count} errors listed"
        );
        Assert.True(report.Length < 256 * 1024, $"{name}: the report has {report.Length} characters");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{name}: parsing took {clock.Elapsed}");
    }

    [Fact]
    public void The_depth_check_walks_20000_levels_in_constant_stack()
    {
        // If the scanner or the event parser recursed per level, 20,000 levels could not fit a 256 KiB stack (13 bytes
        // a level; the tree loader overflowed 1.5 MiB at 100,000). Both styles: flow brackets and compact block lists.
        // (Not deeper: YamlDotNet's scanner rechecks every open simple key per token, quadratic in the depth, which the
        // limit of 64 bounds in practice.)
        string flow = new string('[', 20_000) + new string(']', 20_000);
        string block = string.Concat(Enumerable.Repeat("- ", 20_000)) + "x\n";
        var unbounded = new SpecLimits { MaxBytes = 4 << 20, MaxDepth = int.MaxValue };
        var found = new SpecError?[3];
        Exception? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    found[0] = SpecBounds.CheckDepth(flow, unbounded);
                    found[1] = SpecBounds.CheckDepth(block, unbounded);
                    found[2] = SpecBounds.CheckDepth(block, new SpecLimits { MaxDepth = 64 });
                }
                catch (Exception e)
                {
                    failure = e;
                }
            },
            maxStackSize: 256 * 1024
        );
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "the depth check did not finish in 60 s");
        Assert.Null(failure);
        Assert.Null(found[0]); // walked every level to the end within the stack
        Assert.Null(found[1]);
        Assert.Equal(1, found[2]!.Line);
        Assert.Equal(129, found[2]!.Column); // the 65th "- " opens at column 2 × 64 + 1
    }

    [Fact]
    public void The_run_limit_is_checked_on_the_product_before_expanding_and_is_configurable()
    {
        Assert.Equal(
            24,
            SweepExpansion
                .Expand(SweepSpecParser.ParseOrThrow(SpecSamples.Grid, limits: new SpecLimits { MaxRuns = 24 }))
                .Count
        );

        var result = SweepSpecParser.Parse(SpecSamples.Grid, new SpecLimits { MaxRuns = 23 });
        var error = Assert.Single(result.Errors);
        Assert.Equal("grid", error.Path);
        Assert.Contains(
            "expands to 24 runs (2 method(s) × 4 grid point(s) × 3 seed(s)); at most 23 are allowed",
            error.Message,
            StringComparison.Ordinal
        );
        Assert.Contains("Saei__Specs__MaxRuns", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Line); // points at the grid

        var spec = SweepSpecParser.ParseOrThrow(SpecSamples.Grid);
        var refused = Assert.Throws<SweepSpecException>(() =>
            SweepExpansion.Expand(spec, new SpecLimits { MaxRuns = 10 })
        );
        Assert.Contains("24 runs", refused.Message, StringComparison.Ordinal);
        Assert.Equal(
            System.Numerics.BigInteger.Pow(10, 36),
            SweepExpansion.CountRuns(
                1,
                [
                    .. Enumerable
                        .Range(0, 12)
                        .Select(i => new GridAxis($"a{i}", [.. Enumerable.Range(0, 1000).Select(v => $"{v}")])),
                ],
                1
            )
        );
    }

    [Fact]
    public void Errors_stop_after_the_limit_with_a_count_of_the_rest()
    {
        var result = SweepSpecParser.Parse(HostileSpecs.UnknownKeys("x", 250), new SpecLimits { MaxErrors = 100 });
        Assert.Equal(101, result.Errors.Count);
        Assert.All(result.Errors.Take(100), e => Assert.Contains("unknown key", e.Message, StringComparison.Ordinal));
        Assert.StartsWith(
            "… and 150 more problem(s), not listed: the list stops after 100",
            result.Errors[100].Message,
            StringComparison.Ordinal
        );
        Assert.Equal(250, result.ProblemCount);

        var few = SweepSpecParser.Parse(HostileSpecs.UnknownKeys("x", 3));
        Assert.Equal(3, few.Errors.Count); // under the limit: every problem, no summary line
    }

    [Fact]
    public void Size_is_checked_before_parsing_and_counts_utf8_bytes()
    {
        var limits = new SpecLimits { MaxBytes = 1000 };
        string spec = SpecSamples.Minimal();
        Assert.True(SweepSpecParser.Parse(spec, limits).Ok);
        // 'é' is 2 bytes in UTF-8: under the limit in characters, over it in bytes.
        var error = Assert.Single(SweepSpecParser.Parse(spec + "# " + new string('é', 400), limits).Errors);
        Assert.Matches(
            @"^the spec is \d+ bytes; a spec may have at most 1000 bytes \(set by Saei:Specs:MaxBytes",
            error.Message
        );
        // Not even valid YAML: refused for its size, never scanned.
        Assert.Contains(
            "at most 1000 bytes",
            Assert.Single(SweepSpecParser.Parse("{[" + new string('[', 5000), limits).Errors).Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_limit_out_of_range_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentException>(() => new SpecLimits { MaxRuns = 0 }.ThrowIfInvalid());
        Assert.Contains("Saei:Specs:MaxRuns is 0", error.Message, StringComparison.Ordinal);
        var deep = Assert.Throws<ArgumentException>(() => new SpecLimits { MaxDepth = 5000 }.ThrowIfInvalid());
        Assert.Contains("Saei:Specs:MaxDepth is 5000; set 1..1000", deep.Message, StringComparison.Ordinal);
    }
}
