using System.CommandLine;
using System.CommandLine.Invocation;
using SaEI.Client.Commands;

namespace SaEI.Client;

/// <summary>
/// The entry of `saei`: parses with <see cref="CommandTree"/>, runs the verb with the given writers, and maps every
/// outcome to one exit code for all verbs: 0 success, 1 the work failed, 2 usage error, 130 interrupted.
/// Decisions:
/// 1. Everything the parser can check without reading a file or the network (unknown verb or option, a missing
///    argument, a value of the wrong kind, an id that breaks the id rule) is a usage error (2), one line each on
///    stderr naming the option and pointing at `--help`; what needs a file, storage or the cluster is the work (1).
/// 2. Response files (`@file`) are off: a path beginning with @ is a path.
/// 3. Ctrl-C is handled here, not by System.CommandLine: the first cancels the verb (committed state is durable),
///    and the verb ends with 130.
/// </summary>
public static class CommandLine
{
    public const int SuccessExitCode = 0;
    public const int FailureExitCode = 1;
    public const int UsageExitCode = 2;
    public const int InterruptedExitCode = 130;

    private static readonly ParserConfiguration Parser = new() { ResponseFileTokenReplacer = null };

    /// <summary>The process entry: the console's writers, Ctrl-C, --timeout counted from the process start.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        // --timeout counts from the process start, as `time saei ...` does (ClusterConnection.CountFrom).
        ClusterConnection.CountFrom.Value = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl-C asks for a clean stop; committed state is already durable, so a second one may kill.
            if (!cancellation.IsCancellationRequested)
            {
                e.Cancel = true;
                cancellation.Cancel();
            }
        };
        return await RunAsync(args, Console.Out, Console.Error, cancellation.Token);
    }

    /// <summary>
    /// Runs one command line with results on <paramref name="output"/>, messages on <paramref name="error"/>.
    /// </summary>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellation = default
    )
    {
        var parse = CommandTree.Create().Parse(args, Parser);
        string verb = VerbOf(parse);
        var console = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        if (args.Count == 0)
        {
            // A bare `saei` is a usage error that shows the verbs.
            await CommandTree
                .Create()
                .Parse(["--help"], Parser)
                .InvokeAsync(new InvocationConfiguration { Output = error, Error = error }, cancellation);
            return UsageExitCode;
        }
        if (parse.Action is ParseErrorAction && verb.Length == 0 && !args[0].StartsWith('-'))
        {
            var verbs = parse.RootCommandResult.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
            await error.WriteLineAsync(
                $"saei: unknown verb '{args[0]}'; the verbs are {string.Join(", ", verbs)} (see `saei --help`)."
            );
            return UsageExitCode;
        }
        if (parse.Action is ParseErrorAction)
        {
            string help = verb.Length == 0 ? "saei --help" : $"saei {verb} --help";
            foreach (var problem in parse.Errors)
                await error.WriteLineAsync($"{Prefix(verb)}: {problem.Message} (see `{help}`)");
            return UsageExitCode;
        }
        try
        {
            return await parse.InvokeAsync(console, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            await error.WriteLineAsync(
                "saei: interrupted; committed state is kept, run the same command again to continue."
            );
            return InterruptedExitCode;
        }
        catch (Configuration.InvalidConfigurationException e)
        {
            foreach (string problem in e.Problems)
                await error.WriteLineAsync(
                    $"{Prefix(verb)}: invalid configuration: {problem} (see `saei {verb} --help`)"
                );
            return UsageExitCode;
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"{Prefix(verb)}: {e.Message} (see `saei {verb} --help`)");
            return UsageExitCode;
        }
        catch (Exception e) when (e is UserFacingException or Grains.Sweeps.SweepSpecException)
        {
            await error.WriteLineAsync($"{Prefix(verb)}: {e.Message}");
            return FailureExitCode;
        }
        catch (Grains.Storage.BlobStoreUnavailableException e)
        {
            await error.WriteLineAsync($"{Prefix(verb)}: {e.Message}");
            await error.WriteLineAsync(
                "(start local storage with `infra/azurite.sh start`, or set SAEI_STORAGE to a reachable account)"
            );
            return FailureExitCode;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("SAEI_DEBUG") != "1")
        {
            // Committed state is durable, so an unexpected error loses nothing; say what happened in one place.
            await error.WriteLineAsync($"{Prefix(verb)}: unexpected {e.GetType().Name}: {e.Message}");
            await error.WriteLineAsync(
                "(run again with SAEI_DEBUG=1 for the stack trace; committed runs and checkpoints are kept)"
            );
            return FailureExitCode;
        }
    }

    /// <summary>The verb as typed, without the root ("sweep launch"); empty for the root itself.</summary>
    private static string VerbOf(ParseResult parse)
    {
        var names = new List<string>();
        for (
            var result = parse.CommandResult;
            result.Parent is System.CommandLine.Parsing.CommandResult parent;
            result = parent
        )
            names.Add(result.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    private static string Prefix(string verb) => verb.Length == 0 ? "saei" : $"saei {verb}";
}

/// <summary>An error whose message is written for the user: it names the input and what to change (exit 1).</summary>
public class UserFacingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A command line that does not fit the verb's usage, found after parsing (exit 2).</summary>
public sealed class UsageException(string message) : UserFacingException(message);
