using Microsoft.Win32.SafeHandles;

namespace SaEI.Gpu.Checkpoints;

/// <summary>One tensor of a checkpoint folder: its (normalised) name, where it lives and how it is stored.</summary>
public sealed record CheckpointTensor(string Name, SafetensorsEntry Entry, SafetensorsHeader Shard)
{
    /// <summary>The name as spelt in the shard (before normalisation).</summary>
    public string StoredName => Entry.Name;

    public long FileOffset => Shard.DataStart + Entry.Begin;
}

/// <summary>
/// A Hugging Face model folder's weights, opened and validated without reading any tensor data: either one
/// <c>model.safetensors</c> or <c>model.safetensors.index.json</c> with its <c>model-0000N-of-0000M.safetensors</c>
/// shards. Decisions:
/// 1. Like transformers, a single <c>model.safetensors</c> wins over an index when both are present.
/// 2. Every shard header is read and validated (<see cref="SafetensorsHeader"/>) before anything is returned; the
///    index and the shards must agree exactly: each mapped tensor is in its shard, each shard tensor is mapped there.
/// 3. Names go through a caller's normaliser (Qwen2.5-VL: two published naming schemes); two stored names that
///    normalise to the same name are an error, never a silent pick.
/// 4. <see cref="Verify"/> reports every missing, unexpected and misshapen tensor in ONE exception, led by the first.
/// </summary>
public sealed class CheckpointFolder
{
    public const string SingleFileName = "model.safetensors";

    private CheckpointFolder(
        string directory,
        string source,
        IReadOnlyList<SafetensorsHeader> shards,
        IReadOnlyDictionary<string, CheckpointTensor> tensors
    )
    {
        Directory = directory;
        Source = source;
        Shards = shards;
        Tensors = tensors;
    }

    public string Directory { get; }

    /// <summary>The file that defines the tensor set: the index json or model.safetensors.</summary>
    public string Source { get; }

    public IReadOnlyList<SafetensorsHeader> Shards { get; }

    /// <summary>Normalised name → tensor.</summary>
    public IReadOnlyDictionary<string, CheckpointTensor> Tensors { get; }

    public long TotalBytes => Shards.Sum(s => s.DataLength);

    /// <summary>True when <paramref name="directory"/> holds model.safetensors or an index.</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, SingleFileName))
        || File.Exists(Path.Combine(directory, SafetensorsIndex.FileName));

    /// <summary>One safetensors file under any name, validated like a folder's <c>model.safetensors</c>.</summary>
    public static CheckpointFolder OpenFile(string path, Func<string, string>? normalizeName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Weights file '{path}' does not exist.", path);
        var header = ReadHeader(path, path, null);
        return new CheckpointFolder(
            Path.GetDirectoryName(Path.GetFullPath(path))!,
            path,
            [header],
            Collect([header], normalizeName ?? (name => name))
        );
    }

    public static CheckpointFolder Open(string directory, Func<string, string>? normalizeName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        normalizeName ??= name => name;
        string single = Path.Combine(directory, SingleFileName),
            indexPath = Path.Combine(directory, SafetensorsIndex.FileName);
        if (File.Exists(single))
        {
            var header = ReadHeader(single, single, null);
            return new CheckpointFolder(directory, single, [header], Collect([header], normalizeName));
        }
        if (!File.Exists(indexPath))
            throw CheckpointError.Create(
                directory,
                null,
                $"holds neither {SingleFileName} nor {SafetensorsIndex.FileName}; is this a Hugging Face model folder?"
            );
        var index = ReadIndex(indexPath);
        var shards = new List<SafetensorsHeader>();
        foreach (string shardName in index.Shards)
        {
            var mapped = index
                .WeightMap.Where(p => p.Value == shardName)
                .Select(p => p.Key)
                .ToHashSet(StringComparer.Ordinal);
            string shardPath = Path.Combine(directory, shardName);
            var header = ReadHeader(shardPath, indexPath, mapped.Order(StringComparer.Ordinal).First());
            var stored = header.Entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            string? absent = mapped.Where(n => !stored.Contains(n)).Order(StringComparer.Ordinal).FirstOrDefault();
            if (absent is not null)
                throw CheckpointError.Create(
                    shardPath,
                    absent,
                    $"is mapped to this shard by {SafetensorsIndex.FileName}, but the shard does not hold it."
                );
            string? unmapped = stored.Where(n => !mapped.Contains(n)).Order(StringComparer.Ordinal).FirstOrDefault();
            if (unmapped is not null)
                throw CheckpointError.Create(
                    shardPath,
                    unmapped,
                    $"is in this shard, but {SafetensorsIndex.FileName} maps it "
                        + $"{(index.WeightMap.TryGetValue(unmapped, out var other) ? $"to '{other}'" : "nowhere")}."
                );
            shards.Add(header);
        }
        return new CheckpointFolder(directory, indexPath, shards, Collect(shards, normalizeName));
    }

    /// <summary>
    /// Checks the tensor names and shapes against <paramref name="expected"/> (normalised name → shape). Every problem
    /// goes into one <see cref="InvalidDataException"/> (<see cref="CheckpointError"/>) that names the file and tensor
    /// of the first.
    /// </summary>
    public void Verify(IReadOnlyDictionary<string, long[]> expected)
    {
        var problems = new List<(string File, string Tensor, string Problem)>();
        foreach (var (name, shape) in expected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!Tensors.TryGetValue(name, out var tensor))
                problems.Add(
                    (Source, name, $"is missing; the model expects shape {SafetensorsHeader.FormatShape(shape)}.")
                );
            else if (!tensor.Entry.Shape.SequenceEqual(shape))
                problems.Add(
                    (
                        tensor.Shard.FilePath,
                        tensor.StoredName,
                        $"has shape {tensor.Entry.ShapeText}; the model expects {SafetensorsHeader.FormatShape(shape)}."
                    )
                );
        }
        foreach (var (name, tensor) in Tensors.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!expected.ContainsKey(name))
                problems.Add(
                    (
                        tensor.Shard.FilePath,
                        tensor.StoredName,
                        $"is not a tensor of the "
                            + $"model{(name != tensor.StoredName ? $" (normalised '{name}')" : "")}; is config.json "
                            + $"the one saved with these weights?"
                    )
                );
        }
        if (problems.Count == 0)
            return;
        var (file, tensorName, problem) = problems[0];
        string more =
            problems.Count == 1
                ? ""
                : $" {problems.Count - 1} more problem(s): "
                    + $"{string.Join("; ", problems.Skip(1).Take(5).Select(p => $"'{p.Tensor}' {p.Problem}"))}"
                    + $"{(problems.Count > 6 ? "; ..." : "")}";
        throw CheckpointError.Create(file, tensorName, problem + more);
    }

    private static IReadOnlyDictionary<string, CheckpointTensor> Collect(
        IReadOnlyList<SafetensorsHeader> shards,
        Func<string, string> normalizeName
    )
    {
        var tensors = new Dictionary<string, CheckpointTensor>(StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            foreach (var entry in shard.Entries)
            {
                string name = normalizeName(entry.Name);
                if (tensors.TryGetValue(name, out var previous))
                    throw CheckpointError.Create(
                        shard.FilePath,
                        entry.Name,
                        $"and '{previous.StoredName}' in {Path.GetFileName(previous.Shard.FilePath)} are both "
                            + $"'{name}' after name normalisation; a checkpoint must use one naming scheme."
                    );
                tensors[name] = new CheckpointTensor(name, entry, shard);
            }
        }
        return tensors;
    }

    private static SafetensorsIndex ReadIndex(string indexPath)
    {
        try
        {
            return SafetensorsIndex.Read(indexPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CheckpointError.Create(indexPath, null, $"cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Opens a shard and validates its header; <paramref name="referrer"/> is named when the file is
    /// missing.</summary>
    private static SafetensorsHeader ReadHeader(string path, string referrer, string? firstMappedTensor)
    {
        if (!File.Exists(path))
            throw CheckpointError.Create(
                referrer,
                firstMappedTensor,
                $"is mapped to shard '{Path.GetFileName(path)}', which does not exist in {Path.GetDirectoryName(path)}."
            );
        try
        {
            using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return SafetensorsHeader.Read(file, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CheckpointError.Create(path, null, $"cannot be read: {e.Message}", e);
        }
    }
}
