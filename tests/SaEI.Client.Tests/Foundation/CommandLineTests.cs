using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using SaEI.Client.Commands;
using SaEI.Testing;

namespace SaEI.Client.Tests.Foundation;

/// <summary>
/// The command tree: generated help for every verb (each option it parses is listed), and one exit-code table for
/// all verbs: 0 success, 1 the work failed, 2 usage error (unknown option, missing argument, bad value), 130
/// interrupted.
/// </summary>
public sealed class CommandLineTests
{
    /// <summary>Every command of the tree with its path (["sweep", "launch"]), groups included.</summary>
    private static IEnumerable<(string[] Path, Command Command)> Commands(Command command, string[] path)
    {
        foreach (var sub in command.Subcommands)
        {
            string[] subPath = [.. path, sub.Name];
            yield return (subPath, sub);
            foreach (var nested in Commands(sub, subPath))
                yield return nested;
        }
    }

    public static TheoryData<string> Verbs() =>
        [.. Commands(CommandTree.Create(), []).Select(c => string.Join(' ', c.Path))];

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task Every_verb_has_generated_help_listing_its_options(string verb)
    {
        var command = Commands(CommandTree.Create(), []).Single(c => string.Join(' ', c.Path) == verb).Command;
        var result = await Cli.RunAsync([.. verb.Split(' '), "--help"]);
        Assert.True(result.Code == 0, $"saei {verb} --help: exit {result.Code}\n{result.Error}");
        // The usage line names the program as started (saei; testhost in tests), then the verb.
        Assert.Matches($@"Usage:\n  \S+ {verb}( |\n)", result.Output);
        foreach (var option in command.Options.Where(o => !o.Hidden))
            Assert.Contains(option.Name, result.Output, StringComparison.Ordinal);
        foreach (var argument in command.Arguments)
            Assert.Contains($"<{argument.Name}>", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task The_tree_holds_every_verb_and_help_lists_them()
    {
        string[] expected =
        [
            "demo",
            "sweep validate",
            "sweep launch",
            "sweep status",
            "sweep cancel",
            "watch",
            "leaderboard",
            "report",
            "dashboard",
            "run show",
            "silo",
            "grade",
            "tokenize",
            "model init",
            "model dump",
            "check",
            "help",
        ];
        var verbs = Commands(CommandTree.Create(), []).Select(c => string.Join(' ', c.Path)).ToHashSet();
        Assert.All(expected, verb => Assert.Contains(verb, verbs));
        var help = await Cli.RunAsync("help");
        Assert.Equal(0, help.Code);
        Assert.All(
            expected.Select(v => v.Split(' ')[0]).Distinct(),
            verb => Assert.Contains($"  {verb}", help.Output, StringComparison.Ordinal)
        );
        Assert.Contains("130 interrupted", help.Output, StringComparison.Ordinal);
        Assert.Equal(help.Output, (await Cli.RunAsync("--help")).Output);
        var silo = await Cli.RunAsync("help", "silo");
        Assert.Equal(0, silo.Code);
        foreach (string flag in SaEI.Silo.SiloSettings.Flags.Keys)
            Assert.Contains(flag, silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_verb_or_an_unknown_verb_is_a_usage_error_that_names_the_verbs()
    {
        var none = await Cli.RunAsync();
        Assert.Equal(2, none.Code);
        Assert.Contains("Usage:", none.Error, StringComparison.Ordinal);
        Assert.Empty(none.Output);
        var unknown = await Cli.RunAsync("frobnicate");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("unknown verb 'frobnicate'", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("leaderboard", unknown.Error, StringComparison.Ordinal);
        Assert.Empty(unknown.Output);
    }

    [Fact]
    public async Task The_suggest_directive_completes_verbs_options_and_values()
    {
        // What dotnet-suggest asks for a shell's tab ([suggest:CURSOR] and the line): the candidates, one a line.
        static async Task<string> SuggestAsync(string line) =>
            (await Cli.RunAsync($"[suggest:{line.Length}]", line)).Output;
        Assert.Contains("leaderboard", await SuggestAsync("leaderb"), StringComparison.Ordinal);
        Assert.Contains("--baseline", await SuggestAsync("leaderboard --ba"), StringComparison.Ordinal);
        Assert.Contains("qwen2.5-vl", await SuggestAsync("model init --family "), StringComparison.Ordinal);
    }

    /// <summary>A loopback port that nothing listens on (taken and released).</summary>
    private static string UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Per verb: an unknown option, a missing argument or a bad value (2), and work that fails (1).</summary>
    public static TheoryData<string, int, string[]> ExitCodes()
    {
        const string missing = "/nonexistent/saei-cli-test";
        string port = UnusedPort();
        var data = new TheoryData<string, int, string[]>();
        void Add(int code, params string[] args) => data.Add(args[0], code, args);
        foreach (
            string[] verb in new[]
            {
                new[] { "demo" },
                ["sweep", "validate", "spec.yaml"],
                ["sweep", "launch", "spec.yaml"],
                ["sweep", "status", "x"],
                ["sweep", "cancel", "x"],
                ["watch", "x"],
                ["leaderboard", "x"],
                ["report", "x"],
                ["run", "show", "x"],
                ["silo"],
                ["grade", "f.jsonl"],
                ["tokenize", "--tokenizer", "t", "--input", "i"],
                ["model", "init", "--family", "tiny-vlm", "--config", "c", "--out", "o"],
                ["model", "dump", "--model", "m", "--case", "c", "--out", "o"],
                ["check"],
            }
        )
            Add(2, [.. verb, "--no-such-option"]);
        Add(2, "sweep", "validate"); // missing arguments
        Add(2, "sweep", "launch");
        Add(2, "sweep", "status");
        Add(2, "sweep", "cancel");
        Add(2, "watch");
        Add(2, "leaderboard");
        Add(2, "report");
        Add(2, "run", "show");
        Add(2, "grade");
        Add(2, "tokenize", "--input", "i");
        Add(2, "model", "init", "--family", "tiny-vlm", "--config", "c");
        Add(2, "model", "dump", "--model", "m", "--case", "c");
        Add(2, "silo", "--role");
        Add(2, "silo", "--executor", "gpu");
        Add(2, "silo", "--role", "conductor"); // invalid configuration
        Add(2, "demo", "--slots", "0"); // bad values
        Add(2, "demo", "--quick", "--study");
        Add(2, "sweep", "validate", "s.yaml", "--available", "-1");
        Add(2, "sweep", "launch", "s.yaml", "--step-ms", "x");
        Add(2, "sweep", "status", "../x");
        Add(2, "watch", "x", "--interval", "0");
        Add(2, "leaderboard", "x", "--timeout", "soon");
        Add(2, "report", "x", "--gateway-port", "-3");
        Add(2, "run", "show", "A/B");
        Add(2, "grade", "f.jsonl", "--max-line-bytes", "0");
        Add(2, "tokenize", "--tokenizer", "t", "--input", "i", "--max-line-bytes", "many");
        Add(2, "model", "init", "--family", "llama", "--config", "c", "--out", "o");
        Add(2, "model", "dump", "--model", "m", "--case", "c", "--out", "o", "--dtype", "f16");
        Add(1, "demo", "--spec", $"{missing}.yaml"); // the work fails
        Add(1, "sweep", "validate", $"{missing}.yaml");
        Add(1, "sweep", "launch", $"{missing}.yaml", "--gateway-port", port);
        Add(1, "sweep", "status", "x", "--gateway-port", port);
        Add(1, "sweep", "cancel", "x", "--gateway-port", port);
        Add(1, "watch", "x", "--gateway-port", port);
        Add(1, "leaderboard", "x", "--gateway-port", port);
        Add(1, "report", "x", "--gateway-port", port);
        Add(1, "run", "show", "x", "--gateway-port", port);
        Add(1, "grade", $"{missing}.jsonl");
        Add(1, "tokenize", "--tokenizer", missing, "--input", $"{missing}.jsonl");
        Add(1, "model", "init", "--family", "tiny-vlm", "--config", $"{missing}.json", "--out", missing);
        Add(1, "model", "dump", "--model", missing, "--case", $"{missing}.json", "--out", $"{missing}.safetensors");
        return data;
    }

    [Theory]
    [MemberData(nameof(ExitCodes))]
    public async Task Every_verb_exits_2_on_a_usage_error_and_1_when_its_work_fails(
        string verb,
        int expected,
        string[] args
    )
    {
        if (verb == "report")
            await Azurite.EnsureRunningAsync(); // the report reads storage before the cluster
        var result = await Cli.RunAsync(args);
        Assert.True(
            result.Code == expected,
            $"saei {string.Join(' ', args)}: exit {result.Code}, expected {expected}\nstderr:\n{result.Error}"
        );
        Assert.Empty(result.Output);
        Assert.NotEmpty(result.Error.Trim());
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal); // no stack trace
        if (expected == 2)
            Assert.Contains("--help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interrupted_verb_exits_130()
    {
        using var interrupted = new CancellationTokenSource();
        await interrupted.CancelAsync();
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await CommandLine.RunAsync(
            ["watch", "x", "--gateway-port", UnusedPort()],
            output,
            error,
            interrupted.Token
        );
        Assert.True(code == 130, $"exit {code}\n{error}");
        Assert.Contains("interrupted", error.ToString(), StringComparison.Ordinal);
    }
}
