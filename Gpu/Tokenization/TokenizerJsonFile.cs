using System.Text.Json;

namespace SaEI.Gpu.Tokenization;

/// <summary>An added token of tokenizer.json: matched whole in raw text, never split by BPE.</summary>
/// <param name="Id">Its id (Qwen2.5: 151643 and up).</param>
/// <param name="Content">Its text, e.g. &lt;|im_end|&gt;.</param>
/// <param name="Special">True for control tokens (&lt;|im_end|&gt;), dropped when decoding without special tokens;
/// false for added words such as &lt;tool_call&gt;, which Hugging Face keeps in that case.</param>
public sealed record AddedToken(int Id, string Content, bool Special);

/// <summary>
/// The parts of a Hugging Face <c>tokenizer.json</c> that a Qwen2-style byte-level BPE needs, read and checked:
/// <c>model.vocab</c> (token → id), <c>model.merges</c> (as "a b" strings or ["a","b"] pairs, both serialisations of
/// the <c>tokenizers</c> library), <c>added_tokens</c>, and, from a <c>tokenizer_config.json</c> beside it when there
/// is one, the <c>special</c> flag of each entry of <c>added_tokens_decoder</c>.
/// Decisions:
/// 1. Anything this loader would silently get wrong is refused with the file and the key: a model other than BPE, byte
///    fallback, a normaliser other than NFC, a pre-tokeniser without Qwen2's split pattern, added tokens with
///    lstrip/rstrip/single_word (Qwen never sets them), duplicate ids, an added token whose id names another vocab
///    entry.
/// 2. tokenizer_config.json may only restate added tokens; one whose content differs from tokenizer.json is an error.
/// </summary>
public sealed record TokenizerJsonFile(
    string Path,
    IReadOnlyDictionary<string, int> Vocabulary,
    IReadOnlyList<string> Merges,
    IReadOnlyList<AddedToken> AddedTokens
)
{
    public const string FileName = "tokenizer.json";
    public const string ConfigFileName = "tokenizer_config.json";

    /// <summary>Reads <paramref name="fileOrDirectory"/>: a tokenizer.json, or a model folder that holds one.</summary>
    public static TokenizerJsonFile Read(string fileOrDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileOrDirectory);
        string path = Directory.Exists(fileOrDirectory)
            ? System.IO.Path.Combine(fileOrDirectory, FileName)
            : fileOrDirectory;
        if (!File.Exists(path))
            throw new FileNotFoundException(
                Directory.Exists(fileOrDirectory)
                    ? $"The folder '{fileOrDirectory}' holds no {FileName}; pass the model folder that has it, or "
                        + $"the file itself."
                    : $"No tokenizer file at '{path}'; pass a {FileName} or the model folder that holds it.",
                path
            );
        using var document = Parse(path);
        var root = Object(document.RootElement, path, "(root)");
        var model = Object(Property(root, path, "model"), path, "model");
        RequireString(model, path, "model.type", "type", "BPE");
        if (model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True)
            throw Invalid(
                path,
                "model.byte_fallback",
                "is true; only byte-level BPE without byte fallback (Qwen2, GPT-2) is supported"
            );
        CheckNormalizer(root, path);
        CheckPreTokenizer(root, path);
        var vocabulary = ReadVocabulary(model, path);
        var merges = ReadMerges(model, path);
        var added = ReadAddedTokens(root, path, vocabulary);
        string configPath = System.IO.Path.Combine(
            System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!,
            ConfigFileName
        );
        if (File.Exists(configPath))
            added = ApplyConfigFlags(added, configPath);
        return new TokenizerJsonFile(path, vocabulary, merges, added);
    }

    private static Dictionary<string, int> ReadVocabulary(JsonElement model, string path)
    {
        var vocab = Object(Property(model, path, "model.vocab"), path, "model.vocab");
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<int>();
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                throw Invalid(path, $"model.vocab[\"{entry.Name}\"]", "must be a non-negative integer id");
            if (!seen.Add(id))
                throw Invalid(path, $"model.vocab[\"{entry.Name}\"]", $"repeats id {id}; every id names one token");
            vocabulary[entry.Name] = id;
        }
        if (vocabulary.Count == 0)
            throw Invalid(path, "model.vocab", "is empty");
        return vocabulary;
    }

    private static List<string> ReadMerges(JsonElement model, string path)
    {
        if (!model.TryGetProperty("merges", out var mergesElement) || mergesElement.ValueKind == JsonValueKind.Null)
            return [];
        if (mergesElement.ValueKind != JsonValueKind.Array)
            throw Invalid(path, "model.merges", "must be an array");
        var merges = new List<string>(mergesElement.GetArrayLength());
        int index = 0;
        foreach (var merge in mergesElement.EnumerateArray())
        {
            string key = $"model.merges[{index++}]";
            if (merge.ValueKind == JsonValueKind.String)
            {
                string text = merge.GetString()!;
                int space = text.IndexOf(' ');
                if (space <= 0 || space == text.Length - 1 || text.IndexOf(' ', space + 1) >= 0)
                    throw Invalid(path, key, $"is \"{text}\"; a merge is two tokens separated by one space");
                merges.Add(text);
            }
            else if (
                merge.ValueKind == JsonValueKind.Array
                && merge.GetArrayLength() == 2
                && merge[0].ValueKind == JsonValueKind.String
                && merge[1].ValueKind == JsonValueKind.String
            )
            {
                string left = merge[0].GetString()!,
                    right = merge[1].GetString()!;
                if (left.Length == 0 || right.Length == 0 || left.Contains(' ') || right.Contains(' '))
                    throw Invalid(
                        path,
                        key,
                        "holds an empty token or one with a space, which a byte-level vocabulary cannot have"
                    );
                merges.Add(left + " " + right);
            }
            else
                throw Invalid(path, key, "must be \"a b\" or [\"a\", \"b\"]");
        }
        return merges;
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string path, Dictionary<string, int> vocabulary)
    {
        if (!root.TryGetProperty("added_tokens", out var array) || array.ValueKind == JsonValueKind.Null)
            return [];
        if (array.ValueKind != JsonValueKind.Array)
            throw Invalid(path, "added_tokens", "must be an array");
        var tokens = new List<AddedToken>();
        var ids = new HashSet<int>();
        var reverse = vocabulary.ToDictionary(pair => pair.Value, pair => pair.Key);
        int index = 0;
        foreach (var item in array.EnumerateArray())
        {
            string key = $"added_tokens[{index++}]";
            var token = Object(item, path, key);
            if (!Property(token, path, $"{key}.id").TryGetInt32(out int id) || id < 0)
                throw Invalid(path, $"{key}.id", "must be a non-negative integer");
            var contentElement = Property(token, path, $"{key}.content");
            string content =
                contentElement.ValueKind == JsonValueKind.String && contentElement.GetString() is { Length: > 0 } text
                    ? text
                    : throw Invalid(path, $"{key}.content", "must be a non-empty string");
            foreach (string flag in (string[])["lstrip", "rstrip", "single_word"])
                if (token.TryGetProperty(flag, out var value) && value.ValueKind == JsonValueKind.True)
                    throw Invalid(
                        path,
                        $"{key}.{flag}",
                        $"is true for '{content}'; this loader matches added tokens exactly as Qwen does (all three "
                            + $"false)"
                    );
            if (!ids.Add(id))
                throw Invalid(path, $"{key}.id", $"repeats id {id}");
            if (reverse.TryGetValue(id, out string? other) && other != content)
                throw Invalid(path, $"{key}.id", $"is {id}, which model.vocab gives to '{other}', not '{content}'");
            bool special =
                !token.TryGetProperty("special", out var specialElement)
                || specialElement.ValueKind != JsonValueKind.False;
            tokens.Add(new AddedToken(id, content, special));
        }
        return tokens;
    }

    private static List<AddedToken> ApplyConfigFlags(List<AddedToken> added, string configPath)
    {
        using var document = Parse(configPath);
        var root = Object(document.RootElement, configPath, "(root)");
        if (!root.TryGetProperty("added_tokens_decoder", out var decoder) || decoder.ValueKind == JsonValueKind.Null)
            return added;
        Object(decoder, configPath, "added_tokens_decoder");
        var byId = added.ToDictionary(token => token.Id);
        foreach (var entry in decoder.EnumerateObject())
        {
            string key = $"added_tokens_decoder[\"{entry.Name}\"]";
            if (
                !int.TryParse(
                    entry.Name,
                    System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture,
                    out int id
                )
            )
                throw Invalid(configPath, key, "must be keyed by an integer id");
            var token = Object(entry.Value, configPath, key);
            string? content =
                token.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String
                    ? c.GetString()
                    : null;
            if (!byId.TryGetValue(id, out var known) || known.Content != content)
                throw Invalid(
                    configPath,
                    $"{key}.content",
                    $"is '{content}', but {FileName} has "
                        + $"{(known is null ? "no added token with that id" : $"'{known.Content}'")}; use the two "
                        + $"files of one model"
                );
            if (
                token.TryGetProperty("special", out var special)
                && special.ValueKind is JsonValueKind.True or JsonValueKind.False
            )
                byId[id] = known with { Special = special.ValueKind == JsonValueKind.True };
        }
        return [.. added.Select(token => byId[token.Id])];
    }

    private static void CheckNormalizer(JsonElement root, string path)
    {
        if (!root.TryGetProperty("normalizer", out var normalizer) || normalizer.ValueKind == JsonValueKind.Null)
            return;
        string? type =
            normalizer.ValueKind == JsonValueKind.Object && normalizer.TryGetProperty("type", out var t)
                ? t.GetString()
                : null;
        if (type != "NFC")
            throw Invalid(path, "normalizer.type", $"is '{type}'; only NFC (or none) is supported, as Qwen2 uses");
    }

    private static void CheckPreTokenizer(JsonElement root, string path)
    {
        // Qwen2: Sequence[Split(Regex = QwenPreTokenizer.Pattern, Isolated), ByteLevel(use_regex = false)].
        bool present = root.TryGetProperty("pre_tokenizer", out var preTokenizer);
        if (present && FindsPattern(preTokenizer, QwenPreTokenizer.Pattern))
            return;
        string text = present ? preTokenizer.GetRawText() : "missing";
        throw Invalid(
            path,
            "pre_tokenizer",
            $"is {(text.Length > 200 ? text[..200] + "…" : text)}; only Qwen2's Split regex "
                + $"{JsonSerializer.Serialize(QwenPreTokenizer.Pattern)} is supported"
        );
    }

    private static bool FindsPattern(JsonElement element, string pattern) =>
        element.ValueKind switch
        {
            JsonValueKind.Object => element
                .EnumerateObject()
                .Any(p =>
                    (p.Name == "Regex" && p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == pattern)
                    || FindsPattern(p.Value, pattern)
                ),
            JsonValueKind.Array => element.EnumerateArray().Any(e => FindsPattern(e, pattern)),
            _ => false,
        };

    private static JsonDocument Parse(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }

    private static JsonElement Property(JsonElement element, string path, string key) =>
        element.TryGetProperty(key[(key.LastIndexOf('.') + 1)..], out var value)
            ? value
            : throw Invalid(path, key, "is missing");

    private static JsonElement Object(JsonElement element, string path, string key) =>
        element.ValueKind == JsonValueKind.Object
            ? element
            : throw Invalid(path, key, $"must be a JSON object, not {element.ValueKind}");

    private static void RequireString(JsonElement element, string path, string key, string name, string expected)
    {
        string? value =
            element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (value != expected)
            throw Invalid(path, key, $"is '{value}'; expected '{expected}'");
    }

    private static InvalidDataException Invalid(string path, string key, string problem) =>
        new($"{path}: '{key}' {problem}.");
}
