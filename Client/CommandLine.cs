namespace SaEI.Client;

/// <summary>The verbs of `saei`. Each verb lives in its own file under Commands/.</summary>
public static class CommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        // --timeout counts from the process start, as `time saei ...` does (ClusterConnection.CountFrom).
        Commands.ClusterConnection.CountFrom.Value = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl-C asks for a clean stop; committed state is already durable, so a second one may kill.
            if (!cancellation.IsCancellationRequested) { e.Cancel = true; cancellation.Cancel(); }
        };
        try
        {
            return args[0] switch
            {
                "grade" => Commands.GradeCommand.Run(args[1..], Console.Out, Console.Error),
                "tokenize" => Commands.TokenizeCommand.Run(args[1..], Console.Out, Console.Error),
                "model" => Commands.ModelCommand.Run(args[1..], Console.Out, Console.Error),
                "check" => await Commands.StackCheckCommand.RunAsync(cancellation.Token),
                "sweep" => await Commands.SweepCommand.RunAsync(args, Console.Out, cancellation.Token),
                "silo" => await Commands.SiloCommand.RunAsync(args),
                "watch" => await Commands.WatchCommand.RunAsync(args, Console.Out, cancellation.Token),
                "leaderboard" => await Commands.LeaderboardCommand.RunAsync(args, Console.Out, cancellation.Token),
                "run" => await Commands.RunShowCommand.RunAsync(args, Console.Out, cancellation.Token),
                "demo" => await Demo.DemoCommand.RunAsync(args, Console.Out, cancellation.Token),
                _ => Unknown(args[0]),
            };
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("saei: interrupted; committed state is kept, run the same command again to continue.");
            return 130;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"saei {args[0]}: {e.Message}");
            return 2;
        }
        catch (UserFacingException e)
        {
            Console.Error.WriteLine($"saei {args[0]}: {e.Message}");
            return 1;
        }
        catch (Grains.Storage.BlobStoreUnavailableException e)
        {
            Console.Error.WriteLine($"saei {args[0]}: {e.Message}");
            Console.Error.WriteLine("(start local storage with `infra/azurite.sh start`, or set SAEI_STORAGE to a reachable account)");
            return 1;
        }
        catch (Grains.Sweeps.SweepSpecException e)
        {
            Console.Error.WriteLine($"saei {args[0]}: {e.Message}");
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("SAEI_DEBUG") != "1")
        {
            // Committed state is durable, so an unexpected error loses nothing; say what happened in one place.
            Console.Error.WriteLine($"saei {args[0]}: unexpected {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine("(run again with SAEI_DEBUG=1 for the stack trace; committed runs and checkpoints are kept)");
            return 1;
        }
    }

    private static int Unknown(string verb)
    {
        Console.Error.WriteLine($"saei: unknown verb '{verb}'.");
        Console.Error.WriteLine(Usage);
        return 2;
    }

    private const string Usage = """
        usage: saei <verb> [options]
          demo [--quick] [--out DIR]            the main job: a three-seed GRPO vs SaEI sweep on the synthetic task, leaderboard, plots, report
          sweep validate <spec.yaml> [--runs]   check a sweep spec: every problem with its line, or the run count
          grade        grade answers in a JSONL file (given/predicts/solution vs ground_truth): saei grade FILE.jsonl [--json]
          tokenize     token ids of each {"text": ...} line (no special tokens added; --decode: ids → text):
                       saei tokenize --tokenizer tokenizer.json|MODEL_DIR --input IN.jsonl [--decode]
          model init   a random checkpoint folder (weights, config, tokenizer) for tests and CPU demos:
                       saei model init --family qwen2.5-vl|tiny-vlm --config CONFIG.json --out DIR [--seed N] [--dtype f32|bf16] [--max-shard-mb N]
          model dump   run a reference case (tests/data/qwen25vl/A/case.json format) and write every intermediate as F32/I64 safetensors:
                       saei model dump --model DIR --case CASE.json --out OUT.safetensors [--no-kv-cache] [--dtype f32|bf16]
          silo [--role control|gpu|all] [--cluster-id ID --port N --gateway-port N] [--slots N]   run a silo
               [--bind ADDRESS --tls-cert FILE --tls-ca FILE]   listen beyond loopback (mutual TLS required)
          sweep launch <spec.yaml>              store the sweep's runs and queue them (same spec again: no-op)
          sweep status <exp> [--json]           every run: method, seed, state, step, restarts, metrics
          sweep cancel <exp>                    cancel the runs that have not finished
          watch <exp> [--json]                  live table until the sweep finishes
          leaderboard <exp> [--benchmark B] [--baseline M] [--json]
                                                mean ± std over seeds per method, config, benchmark, and each method
                                                vs the baseline (default grpo): Δ, 95% CI, Welch p, MDE, verdict
          run show <run> [--json]               one run: state, checkpoints, failures, resumes
          check        prove the stack end to end: TorchSharp computes, a blob round-trips, a grain's state persists

        cluster verbs (sweep launch/status/cancel, watch, leaderboard, run show) also take:
          --cluster-id ID | --gateway-port N    which cluster (default: the local silo's gateway on port 30000)
          --timeout SECONDS                     give up when the cluster does not answer (default 8)
          --tls-cert FILE --tls-ca FILE         mutual TLS (or SAEI_TLS_CERT, SAEI_TLS_CA; key password in SAEI_TLS_PASSWORD)

        exit codes: 0 success; 1 failure (invalid input, unreachable cluster or storage, a failed check);
                    2 usage error (unknown verb or option, missing argument); 130 interrupted (Ctrl-C)
        """;
}

/// <summary>An error whose message is written for the user: it names the input and what to change (exit 1).</summary>
public class UserFacingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A command line that does not fit the verb's usage: unknown option, missing argument (exit 2).</summary>
public sealed class UsageException(string message) : UserFacingException(message);
