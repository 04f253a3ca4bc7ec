using System.CommandLine;

namespace SaEI.Client.Commands;

/// <summary>
/// Every verb of `saei` in one System.CommandLine tree: each verb declares its options in its own file, so the help
/// (`saei VERB --help`), the completions (the `[suggest]` directive, dotnet-suggest) and the parser come from one
/// declaration and cannot drift apart.
/// </summary>
public static class CommandTree
{
    public const string Description =
        "SaEI: RL fine-tuning of vision-language models with selective-adversarial entropy intervention, run as "
        + "multi-seed sweeps on an Orleans cluster.\n\n"
        + "Exit codes: 0 success; 1 the work failed (a file, spec or id that does not hold, an unreachable cluster or "
        + "storage, a refused request, a failed check); 2 usage error (unknown verb or option, missing argument, bad "
        + "value); 130 interrupted (Ctrl-C; committed state is kept, the same command continues).";

    public static RootCommand Create()
    {
        var root = new RootCommand(Description)
        {
            Demo.DemoCommand.Create(),
            SweepCommand.Create(),
            WatchCommand.Create(),
            LeaderboardCommand.Create(),
            ReportCommand.Create(),
            DashboardCommand.Create(),
            RunShowCommand.Create(),
            SiloCommand.Create(),
            GradeCommand.Create(),
            TokenizeCommand.Create(),
            ModelCommand.Create(),
            StackCheckCommand.Create(),
        };
        root.Subcommands.Add(HelpCommand(root));
        return root;
    }

    /// <summary>`saei help [VERB...]`: the same help as `saei [VERB...] --help`.</summary>
    private static Command HelpCommand(RootCommand root)
    {
        var verb = new Argument<string[]>("verb")
        {
            Description = "The verb to explain.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("help", "Show the verbs, or one verb's options.") { verb };
        command.SetAction(
            (parse, cancellation) =>
                root.Parse([.. parse.GetValue(verb) ?? [], "--help"])
                    .InvokeAsync(parse.InvocationConfiguration, cancellation)
        );
        return command;
    }
}
