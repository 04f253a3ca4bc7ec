using System.Diagnostics;
using System.Globalization;
using SaEI.Gpu.Checkpoints;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Runtime;
using static TorchSharp.torch;

namespace SaEI.Benchmarks;

/// <summary>
/// Macro benchmark of the streaming checkpoint loader (issue 12), console mode, one run:
/// <c>dotnet run -c Release --project Benchmarks -- checkpoint-load [--threads 1] [--shard-mb 512] [--dir TMP]</c>.
/// Generates a ~2 GB BF16 Qwen2.5-VL checkpoint (random weights, several shards) in a temporary folder, then in the
/// same process loads it into BF16 target tensors and reports
/// (a) peak RSS of the load (VmHWM after writing "5" to /proc/self/clear_refs) ÷ checkpoint size, target ≤ 1.3, and
/// (b) load time ÷ time to read the same files raw (64 MiB blocks, page cache warm for both), target ≤ 2.
/// For context it also times a raw read into new memory and a second load into the now resident targets: on
/// VMs where first-touch page faults are expensive, filling new memory dominates both a raw read and the load.
/// The folder is deleted afterwards.
/// </summary>
public static class CheckpointLoadBenchmark
{
    public const string Verb = "checkpoint-load";

    public static int Run(string[] args)
    {
        int threads = 1;
        long shardBytes = 512L << 20;
        string root = Path.GetTempPath();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads":
                    threads = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--shard-mb":
                    shardBytes = long.Parse(args[++i], CultureInfo.InvariantCulture) << 20;
                    break;
                case "--dir":
                    root = args[++i];
                    break;
                default:
                    throw new ArgumentException(
                        $"unknown argument '{args[i]}'; use --threads N, --shard-mb N, --dir PATH."
                    );
            }
        }
        TorchRuntime.Initialize(threads);
        var config = Config();
        string folder = Path.Combine(root, $"saei-checkpoint-load-{Environment.ProcessId}");
        try
        {
            return Measure(config, folder, shardBytes);
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    private static int Measure(Qwen25VlConfig config, string folder, long shardBytes)
    {
        var clock = Stopwatch.StartNew();
        Qwen25VlRandomCheckpoint.Write(
            config,
            folder,
            new Qwen25VlRandomCheckpointOptions
            {
                Seed = 1,
                DType = ScalarType.BFloat16,
                MaxShardBytes = shardBytes,
            }
        );
        string[] shards = Directory.GetFiles(folder, "*.safetensors");
        long checkpointBytes = shards.Sum(f => new FileInfo(f).Length);
        Console.WriteLine(
            $"generated {shards.Length} shards, {checkpointBytes / 1e9:0.000} GB, "
                + $"{Qwen25VlTensorTable.ParameterCount(config) / 1e9:0.000} B parameters in "
                + $"{clock.Elapsed.TotalSeconds:0.0} s ({TorchRuntime.Describe()})"
        );

        double raw = Math.Min(RawRead(shards), RawRead(shards));
        double rawFresh = RawReadIntoNewMemory(shards);
        var table = Qwen25VlTensorTable.Build(config);
        var targets = table.ToDictionary(t => t.Name, t => empty(t.Shape, ScalarType.BFloat16), StringComparer.Ordinal);
        try
        {
            GC.Collect();
            ResetPeakRss();
            long baseline = Status("VmRSS");
            clock.Restart();
            CheckpointLoader.Load(folder, targets);
            double load = clock.Elapsed.TotalSeconds;
            long peak = Status("VmHWM");
            CheckValues(config, table, targets);
            clock.Restart();
            CheckpointLoader.Load(folder, targets); // the same targets, their pages now resident
            double reload = clock.Elapsed.TotalSeconds;

            double rssRatio = (double)peak / checkpointBytes,
                timeRatio = load / raw;
            Console.WriteLine(
                $"raw read into one reused 64 MiB buffer {raw:0.000} s ({checkpointBytes / raw / 1e9:0.00} GB/s); "
                    + $"raw read into new memory {rawFresh:0.000} s"
            );
            Console.WriteLine(
                $"load into new BF16 targets {load:0.000} s ({checkpointBytes / load / 1e9:0.00} GB/s); again into "
                    + $"the same, now resident, targets {reload:0.000} s"
            );
            Console.WriteLine(
                $"RSS before load {baseline / 1e9:0.000} GB, peak during load {peak / 1e9:0.000} GB (load added "
                    + $"{(peak - baseline) / 1e9:0.000} GB); load average {LoadAverage()}"
            );
            bool rssOk = rssRatio <= 1.3,
                timeOk = timeRatio <= 2;
            Console.WriteLine(
                $"peak RSS ÷ checkpoint size = {rssRatio:0.000} (target ≤ 1.3) {(rssOk ? "met" : "MISSED")}; load ÷ "
                    + $"raw read = {timeRatio:0.00} (target ≤ 2) {(timeOk ? "met" : "MISSED")}"
            );
            Console.WriteLine(
                $"context: load ÷ raw read into new memory = {load / rawFresh:0.00}; reload into resident targets ÷ "
                    + $"raw read = {reload / raw:0.00}"
            );
            return rssOk && timeOk ? 0 : 1;
        }
        finally
        {
            foreach (var target in targets.Values)
                target.Dispose();
        }
    }

    /// <summary>
    /// About 1.03 B parameters (2.05 GB in BF16): text 2048 wide, 14 layers, vocabulary 65,536; vision 1024 wide, 8
    /// blocks.
    /// </summary>
    private static Qwen25VlConfig Config() =>
        new()
        {
            VocabSize = 65536,
            HiddenSize = 2048,
            IntermediateSize = 5632,
            NumHiddenLayers = 14,
            NumAttentionHeads = 16,
            NumKeyValueHeads = 4,
            RmsNormEps = 1e-6,
            RopeTheta = 1e6,
            MropeSection = [16, 24, 24],
            TieWordEmbeddings = false,
            ImageTokenId = 65500,
            VisionStartTokenId = 65498,
            VisionEndTokenId = 65499,
            BosTokenId = 65490,
            EosTokenIds = [65491],
            Vision = new Qwen25VlVisionConfig
            {
                Depth = 8,
                HiddenSize = 1024,
                IntermediateSize = 2816,
                NumHeads = 16,
                OutHiddenSize = 2048,
                PatchSize = 14,
                SpatialMergeSize = 2,
                TemporalPatchSize = 2,
                WindowSize = 112,
                FullAttentionBlockIndexes = [3, 7],
            },
        };

    /// <summary>Seconds to read every shard sequentially into one reused 64 MiB buffer.</summary>
    private static double RawRead(string[] files)
    {
        var buffer = new byte[64 << 20];
        var clock = Stopwatch.StartNew();
        foreach (string file in files)
        {
            using var handle = File.OpenHandle(
                file,
                FileMode.Open,
                FileAccess.Read,
                FileShare.Read,
                FileOptions.SequentialScan
            );
            long offset = 0;
            for (int read; (read = RandomAccess.Read(handle, buffer, offset)) > 0; )
                offset += read;
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Seconds to read every shard into newly allocated memory of its size (one uint8 tensor per file, freed at the
    /// end): the same first-touch page cost that any reader filling new memory pays.
    /// </summary>
    private static double RawReadIntoNewMemory(string[] files)
    {
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        foreach (string file in files)
        {
            using var handle = File.OpenHandle(
                file,
                FileMode.Open,
                FileAccess.Read,
                FileShare.Read,
                FileOptions.SequentialScan
            );
            var memory = empty(RandomAccess.GetLength(handle), ScalarType.Byte);
            TensorFileIO.Read(memory, handle, 0, file, "(raw)");
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The loaded values are the generator's (rounded to BF16) for a few tensors: the benchmark measured a
    /// real load.</summary>
    private static void CheckValues(
        Qwen25VlConfig config,
        IReadOnlyList<Qwen25VlTensor> table,
        Dictionary<string, Tensor> targets
    )
    {
        foreach (int i in new[] { 0, table.Count / 2, table.Count - 1 })
        {
            using var scope = NewDisposeScope();
            var expected = Qwen25VlRandomCheckpoint.Generate(config, table[i], i, seed: 1).to_type(ScalarType.BFloat16);
            if (!expected.bytes.SequenceEqual(targets[table[i].Name].bytes))
                throw new InvalidOperationException($"loaded '{table[i].Name}' differs from the generated values.");
        }
    }

    private static void ResetPeakRss()
    {
        if (File.Exists("/proc/self/clear_refs"))
            File.WriteAllText("/proc/self/clear_refs", "5");
    }

    /// <summary>A /proc/self/status field in bytes (Linux); 0 elsewhere.</summary>
    private static long Status(string field)
    {
        if (!File.Exists("/proc/self/status"))
            return 0;
        string line = File.ReadLines("/proc/self/status")
            .First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
