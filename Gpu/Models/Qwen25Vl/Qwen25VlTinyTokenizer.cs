using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Models.Qwen25Vl;

/// <summary>
/// The tokenizer.json of a random Qwen2.5-VL (<c>saei model init</c>): 256 byte tokens (ids 0..255, any text encodes)
/// and Qwen's special tokens (docs/qwen25vl.md §1.6) at the ids config.json names, so <see cref="Qwen25VlPolicy.Load"/>
/// accepts the pair:
/// <code>
/// &lt;|image_pad|&gt;    = image_token_id          &lt;|vision_start|&gt; = vision_start_token_id
/// &lt;|vision_end|&gt;   = vision_end_token_id     &lt;|video_pad|&gt;    = video_token_id (when given)
/// &lt;|im_end|&gt;       = eos_token_id[0]         &lt;|endoftext|&gt;    = bos_token_id (Qwen's pad)
/// the rest (&lt;|im_start|&gt;, object_ref, box, quad, vision_pad) at Qwen's offsets from &lt;|endoftext|&gt; when
///   those ids are free (bos + 1 = &lt;|im_start|&gt;, …), else at the highest free ids below vocab_size
/// </code>
/// Decisions:
/// 1. Only the tokens Qwen flags special are written (not tool_call/fim/repo, which are plain added tokens); no merges,
///    so a random model sees one token per byte.
/// 2. When eos_token_id[0] is the bos id (Qwen base models: eos = &lt;|endoftext|&gt;), &lt;|im_end|&gt; takes the
///    next eos id or a free one: the turn end and the pad stay distinct tokens.
/// 3. Every problem is found before a file is written, and named by config key with the fix (ids below 256 collide
///    with byte tokens; a vocabulary too small for 256 bytes + 14 specials is refused with the size to set).
/// </summary>
public static class Qwen25VlTinyTokenizer
{
    /// <summary>The special tokens written, in Qwen's id order (docs/qwen25vl.md §1.6).</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } =
    [
        QwenChatTokenizer.EndOfText,
        QwenChatTokenizer.ImStart,
        QwenChatTokenizer.ImEnd,
        "<|object_ref_start|>",
        "<|object_ref_end|>",
        "<|box_start|>",
        "<|box_end|>",
        "<|quad_start|>",
        "<|quad_end|>",
        QwenChatTokenizer.VisionStart,
        QwenChatTokenizer.VisionEnd,
        "<|vision_pad|>",
        QwenChatTokenizer.ImagePad,
        "<|video_pad|>",
    ];

    private const int ByteTokens = 256;

    /// <summary>
    /// Special token → id for <paramref name="config"/>; <paramref name="source"/> (the config's path) names it in
    /// errors (<see cref="InvalidDataException"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, int> SpecialTokenIds(Qwen25VlConfig config, string source)
    {
        ArgumentNullException.ThrowIfNull(config);
        int minimum = ByteTokens + SpecialTokens.Count;
        if (config.VocabSize < minimum)
            throw new InvalidDataException(
                $"{source}: vocab_size {config.VocabSize} leaves no room for the tokenizer: {ByteTokens} byte tokens "
                    + $"and {SpecialTokens.Count} special tokens need vocab_size ≥ {minimum}; raise vocab_size."
            );
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var keys = new Dictionary<int, string>();
        void Fix(string token, int id, string key)
        {
            if (id < ByteTokens || id >= config.VocabSize)
                throw new InvalidDataException(
                    $"{source}: {key} {id} must lie in [{ByteTokens}, vocab_size {config.VocabSize}): ids "
                        + $"0..{ByteTokens - 1} are the byte tokens of the generated tokenizer."
                );
            if (keys.TryGetValue(id, out string? other))
                throw new InvalidDataException(
                    $"{source}: {key} and {other} are both {id}; give each special token its own id."
                );
            ids[token] = id;
            keys[id] = key;
        }
        Fix(QwenChatTokenizer.ImagePad, config.ImageTokenId, "image_token_id");
        Fix(QwenChatTokenizer.VisionStart, config.VisionStartTokenId, "vision_start_token_id");
        Fix(QwenChatTokenizer.VisionEnd, config.VisionEndTokenId, "vision_end_token_id");
        if (config.VideoTokenId is { } video)
            Fix("<|video_pad|>", video, "video_token_id");
        if (config.BosTokenId is { } bos)
            Fix(QwenChatTokenizer.EndOfText, bos, "bos_token_id");
        int? endOfTurn = config
            .EosTokenIds.Where(id => id != config.BosTokenId)
            .Select(id => (int?)id)
            .FirstOrDefault();
        if (endOfTurn is { } eos)
            Fix(QwenChatTokenizer.ImEnd, eos, "eos_token_id");

        int next = config.VocabSize - 1;
        for (int offset = 0; offset < SpecialTokens.Count; offset++)
        {
            string token = SpecialTokens[offset];
            if (ids.ContainsKey(token))
                continue;
            // Qwen's layout
            int id = ids.TryGetValue(QwenChatTokenizer.EndOfText, out int endOfText) ? endOfText + offset : -1;
            if (id < 0 || id >= config.VocabSize || keys.ContainsKey(id))
            {
                while (keys.ContainsKey(next))
                    next--;
                id = next;
            }
            ids[token] = id;
            keys[id] = token;
        }
        return ids;
    }

    /// <summary>Writes tokenizer.json for <paramref name="config"/> into <paramref name="directory"/>; returns its
    /// path.</summary>
    public static string Write(Qwen25VlConfig config, string directory, string source)
    {
        var ids = SpecialTokenIds(config, source);
        string path = Path.Combine(directory, TokenizerJsonFile.FileName);
        TinyTokenizerJsonWriter.Write(path, ids);
        return path;
    }
}
