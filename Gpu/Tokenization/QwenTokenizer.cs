using Microsoft.ML.Tokenizers;

namespace SaEI.Gpu.Tokenization;

/// <summary>
/// Qwen2 / Qwen2.5(-VL) text tokenisation from a Hugging Face <c>tokenizer.json</c>, equal to HF's fast tokenizer
/// with <c>add_special_tokens=False</c>: added tokens are cut out of the raw text whole (leftmost, longest first),
/// the text between them is NFC-normalised, split by Qwen2's regex and byte-level BPE-encoded.
/// Library vs hand-written (Microsoft.ML.Tokenizers 2.0.1, docs/qwen25vl.md §2):
/// 1. BPE merging, the byte-level alphabet and decoding are the library's <see cref="BpeTokenizer"/>.
/// 2. The library has no tokenizer.json loader: <see cref="TokenizerJsonFile"/> reads and checks it.
/// 3. The pre-tokeniser is <see cref="QwenPreTokenizer"/>, by hand, because the library's regex pre-tokeniser splits
///    astral characters (emoji, 𝑥) differently from Hugging Face.
/// 4. Added tokens are matched here, before normalisation, as Hugging Face does (its tokens are normalized=false),
///    rather than by the library after its normaliser; each piece of text between them is then put in NFC by <see
///    cref="NfcNormalizer"/>, by hand (the library has none, and .NET's is off under InvariantGlobalization).
/// 5. Decoding drops only tokens flagged special; added words such as &lt;tool_call&gt; stay, as with HF's
///    <c>skip_special_tokens</c> (the library's own switch drops every added token). Invalid UTF-8 (a response cut
///    inside a character) decodes to U+FFFD, as HF's <c>errors="replace"</c>.
/// </summary>
public sealed class QwenTokenizer
{
    private readonly BpeTokenizer bpe;
    private readonly Dictionary<string, AddedToken> addedByContent;
    private readonly Dictionary<int, AddedToken> addedById;
    private readonly Dictionary<char, AddedToken[]> addedByFirstChar;
    private readonly bool[] isKnownId; // [VocabularySize]: false for the holes of a vocabulary that skips ids

    private QwenTokenizer(TokenizerJsonFile file)
    {
        Source = file.Path;
        AddedTokens = file.AddedTokens;
        addedByContent = file.AddedTokens.ToDictionary(token => token.Content, StringComparer.Ordinal);
        addedById = file.AddedTokens.ToDictionary(token => token.Id);
        addedByFirstChar = file
            .AddedTokens.GroupBy(token => token.Content[0])
            .ToDictionary(
                group => group.Key,
                group => group.OrderByDescending(token => token.Content.Length).ToArray()
            );
        try
        {
            bpe = BpeTokenizer.Create(
                new BpeOptions(file.Vocabulary)
                {
                    Merges = file.Merges,
                    SpecialTokens = file.AddedTokens.ToDictionary(
                        token => token.Content,
                        token => token.Id,
                        StringComparer.Ordinal
                    ),
                    PreTokenizer = QwenPreTokenizer.Instance,
                    ByteLevel = true,
                }
            );
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            throw new InvalidDataException(
                $"{file.Path}: 'model.merges' or 'model.vocab' do not form a BPE model: {e.Message}",
                e
            );
        }
        VocabularySize =
            Math.Max(file.Vocabulary.Values.Max(), file.AddedTokens.Count == 0 ? -1 : file.AddedTokens.Max(t => t.Id))
            + 1;
        isKnownId = new bool[VocabularySize];
        foreach (int id in file.Vocabulary.Values.Concat(file.AddedTokens.Select(token => token.Id)))
            isKnownId[id] = true;
    }

    /// <summary>Loads a tokenizer.json, or the one in a model folder (with tokenizer_config.json's flags when
    /// present).</summary>
    public static QwenTokenizer Load(string fileOrDirectory) => new(TokenizerJsonFile.Read(fileOrDirectory));

    /// <summary>The tokenizer.json this was read from (for messages).</summary>
    public string Source { get; }

    /// <summary>One more than the largest id (BPE or added); the model's vocab_size must be at least this.</summary>
    public int VocabularySize { get; }

    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>The id of an added token by its content (e.g. "&lt;|im_end|&gt;").</summary>
    public bool TryGetAddedTokenId(string content, out int id)
    {
        bool found = addedByContent.TryGetValue(content, out var token);
        id = found ? token!.Id : -1;
        return found;
    }

    /// <summary>True when <paramref name="id"/> names a BPE or added token (a vocabulary may skip ids).</summary>
    public bool IsKnownId(int id) => id >= 0 && id < VocabularySize && isKnownId[id];

    /// <summary>True for an added token flagged special (dropped by <see cref="Decode"/> with
    /// skipSpecialTokens).</summary>
    public bool IsSpecial(int id) => addedById.TryGetValue(id, out var token) && token.Special;

    /// <summary>Text → ids; added tokens written in the text become their single ids; nothing is added
    /// around.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        int start = 0;
        for (int i = 0; i < text.Length; )
        {
            if (MatchAddedToken(text, i) is not { } token)
            {
                i++;
                continue;
            }
            EncodePlain(text[start..i], ids);
            ids.Add(token.Id);
            i += token.Content.Length;
            start = i;
        }
        EncodePlain(text[start..], ids);
        return [.. ids];
    }

    /// <summary>
    /// Ids → text. <paramref name="skipSpecialTokens"/> drops the tokens flagged special. An id the vocabulary lacks
    /// decodes to nothing, as in Hugging Face's tokenizers: the 7B's embedding has 152064 rows for 151665 tokens, so a
    /// policy can sample an id no token has, and a response must still decode (and be graded) rather than end the run.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var kept = new List<int>(ids.Length);
        foreach (int id in ids)
        {
            if (IsKnownId(id) && !(skipSpecialTokens && IsSpecial(id)))
                kept.Add(id);
        }
        return bpe.Decode(kept, considerSpecialTokens: true);
    }

    private void EncodePlain(string text, List<int> ids)
    {
        if (text.Length == 0)
            return;
        ids.AddRange(bpe.EncodeToIds(NfcNormalizer.Instance.Normalize(text)));
    }

    private AddedToken? MatchAddedToken(string text, int at)
    {
        if (!addedByFirstChar.TryGetValue(text[at], out var candidates))
            return null;
        foreach (var token in candidates)
            if (string.CompareOrdinal(text, at, token.Content, 0, token.Content.Length) == 0)
                return token;
        return null;
    }
}
