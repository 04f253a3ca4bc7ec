using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using SaEI.Grains.Storage;

namespace SaEI.Benchmarks;

/// <summary>
/// Streamed checkpoints through blob storage (issue 13): <c>checkpoint-blob [GB]</c> times the commit and the load of
/// a generated checkpoint through Azurite (or SAEI_STORAGE) against the same file work on local disk and prints
/// local time ÷ blob time (target ≥ 0.5) and the peak RSS. <c>--block-mib N --concurrency N --md5 on|off</c> change
/// the transfer (<see cref="BlobStoreOptions"/>; defaults 8 MiB, 4, on). It also prints MB/s of each phase and the CPU
/// seconds this process spent in it; <c>--server-pid P</c> adds those of the storage process P (client/server), to
/// tell which side of the transfer does the work.
/// Decisions:
/// 1. The blob path is <see cref="CheckpointStore.CommitAsync"/> then <see cref="CheckpointStore.TryLoadAsync"/>:
///    read + SHA-256 + upload in blocks, then download + write + SHA-256. The local path does the same file work
///    without the transport: copy the file with SHA-256 (write), then copy that copy with SHA-256 (read into a new
///    file, as a load does). Neither flushes to disk (Azurite does not either).
/// 2. The bytes are seeded and generated in blocks (one random block, each copy stamped with its index, so a moved
///    or repeated block changes the SHA-256); the file is never in memory whole.
/// Hidden verb <c>checkpoint-blob-child</c> runs the test's child processes (a round trip whose peak RSS is the
/// checkpoint path's alone, and a commit that the test kills mid-upload); see StreamedCheckpointTests.
/// </summary>
public static class CheckpointBlobBenchmark
{
    public const string Verb = "checkpoint-blob";
    public const string ChildVerb = "checkpoint-blob-child";

    private const string Experiment = "bench-ckpt";
    private const int GenerateBlockBytes = 8 << 20;

    public static int Run(string[] args)
    {
        double gigabytes =
            args.Length > 0 && !args[0].StartsWith('-') ? double.Parse(args[0], CultureInfo.InvariantCulture) : 1;
        long bytes = (long)(gigabytes * 1e9);
        var settings = Options(args.SkipWhile(a => !a.StartsWith('-')).ToArray());
        var transfer = new BlobStoreOptions
        {
            TransferBlockBytes = Number(settings, "block-mib", 8) << 20,
            TransferConcurrency = Number(settings, "concurrency", 4),
            TransferBlockMd5 = !settings.TryGetValue("md5", out string? md5) || md5 != "off",
        };
        string connectionString = LocalAzurite.EnsureAsync().GetAwaiter().GetResult();
        string work = Directory.CreateTempSubdirectory("saei-ckpt-bench-").FullName;
        string container = $"bench-ckpt-{Guid.NewGuid():N}"[..24];
        try
        {
            var staging = new CheckpointStaging(Path.Combine(work, "staging"));
            using var source = staging.Create("source");
            string sha = Generate(source.PathOf(BlobPaths.ModelFile), bytes, seed: 1);
            Console.WriteLine($"checkpoint-blob: {bytes:N0} bytes generated (sha256 {sha[..16]}...)");

            var server = Number(settings, "server-pid", 0);
            var cpu = new CpuClock(server);
            var local = Stopwatch.StartNew();
            string written = Path.Combine(work, "local-write.bin");
            string read = Path.Combine(work, "local-read.bin");
            bool localIntact =
                CopyHashing(source.PathOf(BlobPaths.ModelFile), written) == sha && CopyHashing(written, read) == sha;
            local.Stop();
            string localCpu = cpu.Lap();
            File.Delete(written);
            File.Delete(read);

            string run = $"r-{Guid.NewGuid():N}"[..10];
            var roundTrip = RoundTripAsync(connectionString, container, staging, source, sha, run, transfer, cpu);
            var (commit, load, intact) = roundTrip.GetAwaiter().GetResult();
            double blob = commit + load;
            double localSeconds = local.Elapsed.TotalSeconds;
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"local disk write+read {localSeconds:F2} s; "
                        + $"blob commit {commit:F2} s + load {load:F2} s = {blob:F2} s"
                )
            );
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"MB/s local {2 * bytes / 1e6 / localSeconds:F0}, up {bytes / 1e6 / commit:F0}, "
                        + $"down {bytes / 1e6 / load:F0}; CPU s local {localCpu}, commit {cpu.Laps[1]}, load "
                        + $"{cpu.Laps[2]}"
                )
            );
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"ratio local/blob {localSeconds / blob:F3} (target >= 0.5); "
                        + $"SHA-256 intact: {intact && localIntact}; "
                        + $"peak RSS {PeakRssMegabytes()} MB"
                )
            );
            return intact && localIntact ? 0 : 1;
        }
        finally
        {
            new Azure.Storage.Blobs.BlobContainerClient(connectionString, container).DeleteIfExists();
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// <c>roundtrip --bytes N --container C --staging DIR</c>: generate, commit, load; prints one JSON line with the
    /// SHA-256 check and the peak RSS; exit 0 when intact. <c>commit --bytes N --container C --staging DIR --run R
    /// --step S</c>: a small model.safetensors and an N-byte optimizer.bin, committed (prints "staged" first).
    /// </summary>
    public static int Child(string[] args)
    {
        string mode = args[0];
        var options = Options(args[1..]);
        long bytes = long.Parse(options["bytes"], CultureInfo.InvariantCulture);
        string connectionString = LocalStorage.ResolveConnectionString();
        var staging = new CheckpointStaging(options["staging"]);
        if (mode == "roundtrip")
        {
            using var source = staging.Create("source");
            string sha = Generate(source.PathOf(BlobPaths.ModelFile), bytes, seed: 3);
            var (commit, load, intact) = RoundTripAsync(
                    connectionString,
                    options["container"],
                    staging,
                    source,
                    sha,
                    "roundtrip"
                )
                .GetAwaiter()
                .GetResult();
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{{\"bytes\":{bytes},\"intact\":{(intact ? "true" : "false")},\"commit_s\":{commit:F2},"
                        + $"\"load_s\":{load:F2},\"peak_rss_mb\":{PeakRssMegabytes()}}}"
                )
            );
            return intact ? 0 : 1;
        }
        if (mode == "commit")
        {
            using var files = staging.Create("commit");
            Generate(files.PathOf(BlobPaths.ModelFile), 1 << 20, seed: 4);
            Generate(files.PathOf(BlobPaths.OptimizerFile), bytes, seed: 5);
            var store = new CheckpointStore(
                Connect(connectionString, options["container"]),
                TimeProvider.System,
                new CheckpointStoreOptions { StagingDirectory = options["staging"] }
            );
            Console.WriteLine("staged");
            int step = int.Parse(options["step"], CultureInfo.InvariantCulture);
            var result = store
                .CommitAsync(Experiment, options["run"], step, files.Path, "cfg")
                .GetAwaiter()
                .GetResult();
            Console.WriteLine(result.GetType().Name);
            return 0;
        }
        Console.Error.WriteLine($"{ChildVerb}: unknown mode '{mode}'; use roundtrip or commit.");
        return 2;
    }

    private static async Task<(double Commit, double Load, bool Intact)> RoundTripAsync(
        string connectionString,
        string container,
        CheckpointStaging staging,
        StagingFolder source,
        string sha,
        string run,
        BlobStoreOptions? transfer = null,
        CpuClock? cpu = null
    )
    {
        var blobs = ResilientBlobStore.Connect(connectionString, container, transfer);
        await blobs.EnsureContainerAsync();
        var store = new CheckpointStore(
            blobs,
            TimeProvider.System,
            new CheckpointStoreOptions { StagingDirectory = staging.Root }
        );
        var commit = Stopwatch.StartNew();
        var committed = await store.CommitAsync(Experiment, run, 1, source.Path, "cfg");
        commit.Stop();
        cpu?.Lap();
        var load = Stopwatch.StartNew();
        using var loaded = await store.TryLoadAsync(Experiment, run, 1);
        load.Stop();
        cpu?.Lap();
        bool intact =
            committed is CheckpointCommitResult.Committed
            && loaded.Checkpoint is { } checkpoint
            && checkpoint.Manifest.Files[BlobPaths.ModelFile].Sha256 == sha;
        return (commit.Elapsed.TotalSeconds, load.Elapsed.TotalSeconds, intact);
    }

    private static ResilientBlobStore Connect(string connectionString, string container) =>
        ResilientBlobStore.Connect(connectionString, container);

    /// <summary>Writes <paramref name="bytes"/> seeded bytes to <paramref name="path"/> block by block; returns their
    /// SHA-256.</summary>
    private static string Generate(string path, long bytes, int seed)
    {
        var block = new byte[GenerateBlockBytes];
        new Random(seed).NextBytes(block);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        for (long offset = 0, index = 0; offset < bytes; offset += block.Length, index++)
        {
            BitConverter.TryWriteBytes(block, index);
            int count = (int)Math.Min(block.Length, bytes - offset);
            stream.Write(block, 0, count);
            sha.AppendData(block, 0, count);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string CopyHashing(string from, string to)
    {
        var buffer = new byte[GenerateBlockBytes];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var input = new FileStream(
            from,
            FileMode.Open,
            FileAccess.Read,
            FileShare.Read,
            1 << 20,
            FileOptions.SequentialScan
        );
        using var output = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            output.Write(buffer, 0, read);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static int Number(Dictionary<string, string> options, string key, int fallback) =>
        options.TryGetValue(key, out string? text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i += 2)
            options[args[i].TrimStart('-')] = args[i + 1];
        return options;
    }

    /// <summary>VmHWM of this process in MB (0 where /proc is not there).</summary>
    private static long PeakRssMegabytes()
    {
        if (!File.Exists("/proc/self/status"))
            return 0;
        string? line = File.ReadLines("/proc/self/status")
            .FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        if (line is null)
            return 0;
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
    }
}
