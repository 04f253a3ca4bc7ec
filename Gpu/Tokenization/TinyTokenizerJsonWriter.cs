using System.Text.Json;

namespace SaEI.Gpu.Tokenization;

/// <summary>
/// Writes a small byte-level BPE <c>tokenizer.json</c> in Qwen2's format for random test models (<c>saei model
/// init</c>): ids 0..255 are the 256 byte tokens in GPT-2's <c>bytes_to_unicode</c> spelling (so any text encodes),
/// ids 256.. the optional merges in order, and the special tokens at the ids the caller gives (e.g. from a tiny
/// config.json: image_token_id, vision_start/end, and &lt;|im_start|&gt;, &lt;|im_end|&gt;, &lt;|endoftext|&gt; in the
/// top ids of the vocabulary). Normaliser, pre-tokeniser and decoder are Qwen2's, so <see cref="QwenTokenizer"/>
/// and Hugging Face load it alike.
/// Decisions:
/// 1. Merges are given as plain text pairs ("t","h") and written in the byte-level spelling; each side must already
///    be a token (a byte or an earlier merge), as BPE requires.
/// 2. Ids between the merges and the special tokens are left unassigned (a vocabulary with holes is valid JSON for
///    HF and for the loader); the model's vocab_size only has to exceed the largest id.
/// </summary>
public static class TinyTokenizerJsonWriter
{
    /// <summary>Writes the file; see the type's summary. Throws <see cref="ArgumentException"/> on a clash of
    /// ids.</summary>
    public static void Write(
        string path,
        IReadOnlyDictionary<string, int> specialTokens,
        IReadOnlyList<(string Left, string Right)>? merges = null
    )
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(specialTokens);
        merges ??= [];
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++)
            vocabulary[ByteLevelAlphabet.CharFor((byte)b).ToString()] = b;
        var spelledMerges = new List<(string Left, string Right)>(merges.Count);
        foreach (var (left, right) in merges)
        {
            string l = ByteLevelAlphabet.Spell(left),
                r = ByteLevelAlphabet.Spell(right);
            if (!vocabulary.ContainsKey(l) || !vocabulary.ContainsKey(r))
                throw new ArgumentException(
                    $"Merge (\"{left}\", \"{right}\"): both sides must be tokens already (a byte or an earlier merge).",
                    nameof(merges)
                );
            if (!vocabulary.TryAdd(l + r, vocabulary.Count))
                throw new ArgumentException(
                    $"Merge (\"{left}\", \"{right}\") makes \"{left + right}\", which is already a token.",
                    nameof(merges)
                );
            spelledMerges.Add((l, r));
        }
        var usedIds = new HashSet<int>(vocabulary.Values);
        foreach (var (content, id) in specialTokens)
        {
            if (string.IsNullOrEmpty(content))
                throw new ArgumentException("A special token needs non-empty content.", nameof(specialTokens));
            if (!usedIds.Add(id) || id < 0)
                throw new ArgumentException(
                    $"Special token {content} at id {id} clashes with a byte, a merge or another special token (ids "
                        + $"0..{vocabulary.Count - 1} are taken by bytes and merges).",
                    nameof(specialTokens)
                );
        }
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");
        json.WriteStartArray("added_tokens");
        foreach (var (content, id) in specialTokens.OrderBy(pair => pair.Value))
        {
            json.WriteStartObject();
            json.WriteNumber("id", id);
            json.WriteString("content", content);
            foreach (string flag in (string[])["single_word", "lstrip", "rstrip", "normalized"])
                json.WriteBoolean(flag, false);
            json.WriteBoolean("special", true);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartObject("normalizer");
        json.WriteString("type", "NFC");
        json.WriteEndObject();
        json.WriteStartObject("pre_tokenizer");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("pretokenizers");
        json.WriteStartObject();
        json.WriteString("type", "Split");
        json.WriteStartObject("pattern");
        json.WriteString("Regex", QwenPreTokenizer.Pattern);
        json.WriteEndObject();
        json.WriteString("behavior", "Isolated");
        json.WriteBoolean("invert", false);
        json.WriteEndObject();
        WriteByteLevel(json);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WritePropertyName("post_processor");
        WriteByteLevel(json);
        json.WritePropertyName("decoder");
        WriteByteLevel(json);
        WriteModel(json, vocabulary, spelledMerges);
        json.WriteEndObject();
    }

    private static void WriteModel(
        Utf8JsonWriter json,
        Dictionary<string, int> vocabulary,
        List<(string Left, string Right)> merges
    )
    {
        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteString("continuing_subword_prefix", "");
        json.WriteString("end_of_word_suffix", "");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteBoolean("ignore_merges", false);
        json.WriteStartObject("vocab");
        foreach (var (token, id) in vocabulary.OrderBy(pair => pair.Value))
            json.WriteNumber(token, id);
        json.WriteEndObject();
        json.WriteStartArray("merges");
        foreach (var (left, right) in merges)
        {
            json.WriteStartArray();
            json.WriteStringValue(left);
            json.WriteStringValue(right);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", false);
        json.WriteBoolean("use_regex", false);
        json.WriteEndObject();
    }
}
