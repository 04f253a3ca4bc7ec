using System.Globalization;
using System.Text;

namespace SaEI.Testing;

/// <summary>
/// The bad-input corpus for sweep specs (issue #11, items 2, 5 and 10), generated rather than checked in: each case is
/// a spec a hostile or careless client can send, and the words its error must contain (the thing and the limit).
/// Used against the parser, the experiment grain in a test cluster, a real silo process and `saei sweep validate`.
/// </summary>
public static class HostileSpecs
{
    /// <summary>One case: a name for messages, the spec text and the phrases its error must contain.</summary>
    public sealed record Case(string Name, string Yaml, params string[] Expected)
    {
        public override string ToString() => Name;
    }

    /// <summary>The valid top of a spec, without methods (so cases can add their own).</summary>
    public static string Head(string experiment, int steps = 10) =>
        $$"""
            experiment: {{experiment}}
            model: { family: tiny-vlm }
            data:
              train: { format: synthetic, task: counting, size: 10 }
              test: { format: synthetic, task: counting, split: test, size: 10 }
            seeds: [1]
            steps: {{steps}}

            """;

    /// <summary>30,000 nested flow lists (60 KB): overflowed YamlDotNet's tree loader and killed the silo (exit
    /// 134).</summary>
    public static string DeepFlow(string experiment, int depth = 30_000) =>
        Head(experiment)
        + "methods: { grpo: {} }\ngrid: { learning_rate: "
        + new string('[', depth)
        + new string(']', depth)
        + " }\n";

    /// <summary>Mappings nested by indentation alone (one more space per level), no brackets.</summary>
    public static string DeepIndentation(string experiment, int depth = 1_000)
    {
        var text = new StringBuilder(Head(experiment)).Append("methods: { grpo: {} }\neval:\n");
        for (int level = 1; level <= depth; level++)
            text.Append(' ', level).Append("k:\n");
        return text.ToString();
    }

    /// <summary>Compact nested block lists on one line (`- - - … x`): depth without brackets or new lines.</summary>
    public static string DeepCompactLists(string experiment, int depth = 20_000) =>
        Head(experiment) + "methods: { grpo: {} }\nseeds:\n  " + string.Concat(Enumerable.Repeat("- ", depth)) + "1\n";

    /// <summary>A valid spec padded by a comment to <paramref name="bytes"/> bytes.</summary>
    public static string Oversized(string experiment, int bytes = 2 << 20)
    {
        string spec = Head(experiment) + "methods: { grpo: {} }\n# ";
        return spec + new string('x', Math.Max(0, bytes - spec.Length)) + "\n";
    }

    /// <summary>1 method × 4 axes of 1,000 values × 1 seed = 10^12 runs in 60 KB (ran out of memory; 600,000 runs were
    /// accepted).</summary>
    public static string TrillionRuns(string experiment)
    {
        var text = new StringBuilder(Head(experiment)).Append("methods: { grpo: {} }\ngrid:\n");
        foreach (string key in new[] { "learning_rate", "weight_decay", "clip_low", "kl_coefficient" })
            text.Append("  ")
                .Append(key)
                .Append(": [")
                .AppendJoin(
                    ", ",
                    Enumerable.Range(1, 1000).Select(i => i.ToString(CultureInfo.InvariantCulture) + "e-7")
                )
                .Append("]\n");
        return text.ToString();
    }

    /// <summary><paramref name="count"/> unknown top-level keys (printed 750 MB of errors at 4 million).</summary>
    public static string UnknownKeys(string experiment, int count) =>
        Head(experiment)
        + "methods: { grpo: {} }\n"
        + string.Concat(Enumerable.Range(0, count).Select(i => $"u{i.ToString("x", CultureInfo.InvariantCulture)}:\n"));

    /// <summary>
    /// An unknown key of <paramref name="length"/> characters (was echoed whole and searched for "did you mean", an
    /// edit distance quadratic in its length). An explicit `? key` (YAML limits implicit keys to 1024 characters).
    /// </summary>
    public static string HugeKey(string experiment, int length = 500_000) =>
        Head(experiment) + "methods: { grpo: {} }\n? " + new string('k', length) + "\n: 1\n";

    /// <summary>Aliases of aliases ("billion laughs"): 10^9 values if expanded; must not be.</summary>
    public static string AliasBomb(string experiment)
    {
        var text = new StringBuilder(Head(experiment)).Append(
            "methods: { grpo: {} }\nx0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        );
        for (int i = 1; i <= 9; i++)
            text.Append(CultureInfo.InvariantCulture, $"x{i}: &a{i} [")
                .AppendJoin(", ", Enumerable.Repeat($"*a{i - 1}", 10))
                .Append("]\n");
        return text.Append("grid: { learning_rate: *a9 }\n").ToString();
    }

    /// <summary>Every case, with what its error must say.</summary>
    public static IReadOnlyList<Case> All(string experiment) =>
        [
            new("deep flow lists", DeepFlow(experiment), "more than 64 levels deep", "Saei:Specs:MaxDepth"),
            new("deep indentation", DeepIndentation(experiment), "more than 64 levels deep", "Saei:Specs:MaxDepth"),
            new("deep compact lists", DeepCompactLists(experiment), "more than 64 levels deep", "Saei:Specs:MaxDepth"),
            new("2 MiB spec", Oversized(experiment), "at most 1048576 bytes", "Saei:Specs:MaxBytes"),
            new("10^12 runs", TrillionRuns(experiment), "1000000000000 runs", "at most 10000", "Saei:Specs:MaxRuns"),
            new(
                "100,000 unknown keys",
                UnknownKeys(experiment, 100_000),
                "unknown key",
                "more problem(s), not listed",
                "Saei:Specs:MaxErrors"
            ),
            new("500 KB key", HugeKey(experiment), "unknown key", "(500000 characters)"),
            new("alias bomb", AliasBomb(experiment), "grid.learning_rate", "expected a single value"),
            new(
                "group_size int.MaxValue",
                Head(experiment) + "methods: { saei: { group_size: 2147483647 } }\n",
                "group_size",
                "is 2147483647; set 2..1024"
            ),
        ];
}
