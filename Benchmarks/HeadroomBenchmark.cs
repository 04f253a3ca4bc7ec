using System.Diagnostics;
using System.Globalization;
using SaEI.Gpu.Evaluation;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Training;
using SaEI.Gpu.Training.Sft;
using static TorchSharp.torch;

namespace SaEI.Benchmarks;

/// <summary>
/// Task-headroom measurement (issue 14), console mode, in process (no cluster): an SFT warm start on the synthetic
/// task, then short RL runs per method and seed, each evaluated on the test split at step 0 and every few steps.
/// <c>dotnet run -c Release --project Benchmarks -- headroom [--sft PRESET] [--sft-steps N] [--hidden H]
/// [--layers L] [--image-size 32] [--families compare] [--difficulty D] [--model DIR] [--methods grpo,saei]
/// [--seeds 1,2] [--steps N] [--lr X] [--group G] [--prompts P] [--max-new T] [--test N] [--samples K] [--eval-every E]
/// [--threads 2] [--out DIR]</c>. Prints one line per evaluation and a "ROW" line per run
/// (config, base pass@1, final and best pass@1, the change over the last third of the run, seconds, the curve).
/// Decisions: the RL data mirror a spec's synthetic data (train split seed 11, test split seed 12, drawn at the
/// model's image size); KL to the SFT model at 0.01 as in a spec without kl_coefficient; evaluation at T = 0.6.
/// </summary>
public static class HeadroomBenchmark
{
    public const string Verb = "headroom";

    public static int Run(string[] args)
    {
        var a = Arguments.Parse(args);
        int threads = a.Int("threads", 2);
        string output = a.Text("out", Path.Combine(Path.GetTempPath(), "saei-headroom"));
        var sft = SftOptions.Preset(a.Text("sft", "default"));
        sft = sft with
        {
            Steps = a.Int("sft-steps", sft.Steps),
            LearningRate = a.Double("sft-lr", sft.LearningRate),
            Model = sft.Model with
            {
                HiddenSize = a.Int("hidden", sft.Model.HiddenSize),
                Layers = a.Int("layers", sft.Model.Layers),
                IntermediateSize = a.Has("hidden") ? 3 * a.Int("hidden", 0) : sft.Model.IntermediateSize,
                ImageSize = a.Int("image-size", sft.Model.ImageSize),
            },
            Task = sft.Task with
            {
                Families = a.Has("families") ? Families(a.Text("families", "")) : sft.Task.Families,
                Difficulty = a.Int("difficulty", sft.Task.Difficulty),
                ImageSize = a.Int("image-size", sft.Task.ImageSize),
            },
            TestProblems = 0,
        };
        TorchRuntime.Initialize(threads);
        var clock = Stopwatch.StartNew();
        string modelDirectory = a.Text("model", "");
        if (modelDirectory.Length == 0)
        {
            string families = string.Join('+', sft.Task.Families).ToLowerInvariant();
            modelDirectory = Path.Combine(
                output,
                $"sft-{sft.Name}-{families}-d{sft.Task.Difficulty}-"
                    + $"{sft.Task.ImageSize}px-h{sft.Model.HiddenSize}-l{sft.Model.Layers}-s{sft.Steps}"
            );
            var warm = SftWarmStart.Run(sft, modelDirectory, threads);
            Console.WriteLine(
                $"SFT {sft.Name}: {sft.Steps} steps, final loss {warm.Steps[^1].Loss:0.000}, "
                    + $"{warm.TrainSeconds:0.0} s -> {modelDirectory}"
            );
        }
        var task = sft.Task;
        var train = new SyntheticTask(task with { Split = SyntheticSplit.Train, Seed = 11 }).Generate(2048);
        var test = new SyntheticTask(task with { Split = SyntheticSplit.Test, Seed = 12 }).Generate(a.Int("test", 128));
        var evaluation = new EvaluationOptions
        {
            SamplesPerProblem = a.Int("samples", 2),
            MaxNewTokens = a.Int("max-new", 40),
        };
        int steps = a.Int("steps", 30),
            every = a.Int("eval-every", 5);
        string config = string.Create(
            CultureInfo.InvariantCulture,
            $"{string.Join('+', task.Families).ToLowerInvariant()} d{task.Difficulty} {task.ImageSize}px "
                + $"h{sft.Model.HiddenSize} l{sft.Model.Layers} sft{sft.Steps} lr{a.Double("lr", 3e-4)} "
                + $"g{a.Int("group", 8)} p{a.Int("prompts", 8)} "
                + $"T{a.Int("max-new", 40)} steps{steps}"
        );
        double basePass = double.NaN;
        foreach (string methodName in a.Text("methods", "grpo,saei").Split(','))
        foreach (string seedText in a.Text("seeds", "1").Split(','))
        {
            var method = Enum.Parse<RlMethod>(methodName.Replace("_", "", StringComparison.Ordinal), ignoreCase: true);
            var options = new RlOptions
            {
                Method = method,
                GroupSize = a.Int("group", 8),
                PromptsPerStep = a.Int("prompts", 8),
                MiniBatchPrompts = Math.Min(4, a.Int("prompts", 8)),
                MaxNewTokens = a.Int("max-new", 40),
                LearningRate = a.Double("lr", 3e-4),
                KlCoefficient = a.Double("kl", 0.01),
            };
            var runClock = Stopwatch.StartNew();
            using var policy = TinyVlm.Load(modelDirectory, CPU);
            using var reference = TinyVlm.Load(modelDirectory, CPU);
            using var trainer = new RlTrainer(
                policy,
                reference,
                options,
                train,
                steps,
                ulong.Parse(seedText, CultureInfo.InvariantCulture)
            );
            var curve = new List<(int Step, double Pass1)>();
            double Evaluate(int step)
            {
                double pass = Evaluator.Evaluate(policy, "synthetic", test, evaluation).Overall.Pass1;
                curve.Add((step, pass));
                Console.WriteLine(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"  {method} seed {seedText} step {step, 3}: pass@1 {pass:0.000} "
                            + $"t {runClock.Elapsed.TotalSeconds:0}s"
                    )
                );
                return pass;
            }
            if (double.IsNaN(basePass))
                basePass = Evaluate(0);
            else
                curve.Add((0, basePass)); // the same model, test set and evaluation seed: the same score
            double lengthSum = 0;
            for (int step = 1; step <= steps; step++)
            {
                lengthSum += trainer.Step()[RlStepMetrics.ResponseLengthMean];
                if (step % every == 0 || step == steps)
                    Evaluate(step);
            }
            var lastThird = curve.Where(point => point.Step >= steps * 2 / 3).ToList();
            double rise = lastThird[^1].Pass1 - lastThird[0].Pass1;
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"ROW | {config} | {method} | seed {seedText} | base {basePass:0.000} | "
                        + $"final {curve[^1].Pass1:0.000} | "
                        + $"best {curve.Max(point => point.Pass1):0.000} | last-third rise {rise:+0.000;-0.000} | "
                        + $"mean response {lengthSum / steps:0.0} tokens | {runClock.Elapsed.TotalSeconds:0} s | "
                        + $"curve {string.Join(' ', curve.Select(point => Format(point.Pass1)))}"
                )
            );
        }
        Console.WriteLine($"total {clock.Elapsed.TotalSeconds:0} s");
        return 0;
    }

    private static string Format(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static SyntheticFamily[] Families(string text) =>
        [.. text.Split('+').Select(part => Enum.Parse<SyntheticFamily>(part, ignoreCase: true))];

    /// <summary>"--name value" pairs.</summary>
    private sealed class Arguments
    {
        private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

        public static Arguments Parse(string[] args)
        {
            var parsed = new Arguments();
            for (int i = 0; i + 1 < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal))
                    throw new ArgumentException($"headroom: expected --name value, got '{args[i]}'.", nameof(args));
                parsed.values[args[i][2..]] = args[i + 1];
            }
            return parsed;
        }

        public bool Has(string name) => values.ContainsKey(name);

        public string Text(string name, string fallback) => values.GetValueOrDefault(name, fallback);

        public int Int(string name, int fallback) =>
            values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        public double Double(string name, double fallback) =>
            values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
    }
}
