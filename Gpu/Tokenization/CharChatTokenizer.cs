using System.Text;
using SaEI.Gpu.Models;

namespace SaEI.Gpu.Tokenization;

/// <summary>
/// TinyVlm's tokenizer: one token per character, plus special tokens named as in Qwen2.5-VL and a small fixed set
/// of multi-character pieces (the EasyR1 instruction sentence, the tags, the chat roles) so that prompts stay
/// short on CPU.
/// Decisions:
/// 1. Encoding is greedy longest match over the pieces, then single characters; a character outside the alphabet
///    becomes <c>&lt;|unk|&gt;</c> (decoded as U+FFFD) rather than an error, so any dataset text can be tokenised.
/// 2. Special-token strings inside plain text are NOT recognised (they encode character by character), so a
///    problem text can never inject a role or an end-of-sequence.
/// 3. <c>&lt;|im_end|&gt;</c> is the end-of-sequence token (Qwen2.5-VL-Instruct); <c>&lt;|pad|&gt;</c> pads.
/// 4. The vocabulary is fixed by this code; <see cref="Name"/> versions it and is written into config.json.
/// </summary>
public sealed class CharChatTokenizer : IChatTokenizer
{
    /// <summary>Written into config.json; a checkpoint made with another vocabulary fails to load.</summary>
    public const string Name = "saei-char-v1";

    private static readonly string[] SpecialTokens =
    [
        "<|pad|>",
        "<|endoftext|>",
        "<|im_start|>",
        "<|im_end|>",
        "<|vision_start|>",
        "<|vision_end|>",
        "<|image_pad|>",
        "<|unk|>",
    ];

    private static readonly string[] Pieces =
    [
        EasyR1Prompt.Instruction,
        EasyR1Prompt.SystemMessage,
        "<think>",
        "</think>",
        "\\boxed{",
        "system",
        "user",
        "assistant",
    ];

    // Printable ASCII, newline and tab, plus symbols common in geometry and maths problems.
    private const string ExtraCharacters = "\n\t°∠△⊥∥≅∼≈≠≤≥±×÷√π∞αβγδθλμσφω·′″⌒⊙□▱";

    private readonly string[] vocabulary;
    private readonly Dictionary<char, int> characterIds = [];
    private readonly (string Text, int Id)[] piecesLongestFirst;

    public CharChatTokenizer()
    {
        var tokens = new List<string>(SpecialTokens);
        tokens.AddRange(Pieces);
        for (char c = ' '; c <= '~'; c++)
            tokens.Add(c.ToString());
        tokens.AddRange(ExtraCharacters.Select(c => c.ToString()));
        vocabulary = [.. tokens];
        for (int id = SpecialTokens.Length + Pieces.Length; id < vocabulary.Length; id++)
            characterIds[vocabulary[id][0]] = id;
        piecesLongestFirst =
        [
            .. Pieces.Select((text, i) => (text, SpecialTokens.Length + i)).OrderByDescending(p => p.text.Length),
        ];
    }

    public int VocabularySize => vocabulary.Length;
    public int PadId => 0;
    public int EndOfTextId => 1;
    public int ImStartId => 2;
    public int EndOfSequenceId => 3;

    public IReadOnlyList<int> StopIds { get; } = [3];
    public int VisionStartId => 4;
    public int VisionEndId => 5;
    public int ImagePadId => 6;
    public int UnknownId => 7;

    /// <summary>True for the special tokens (dropped by <see cref="Decode"/>).</summary>
    public bool IsSpecial(int id) => id >= 0 && id < SpecialTokens.Length;

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            int pieceId = -1,
                pieceLength = 0;
            foreach (var (piece, id) in piecesLongestFirst)
            {
                if (i + piece.Length <= text.Length && string.CompareOrdinal(text, i, piece, 0, piece.Length) == 0)
                {
                    (pieceId, pieceLength) = (id, piece.Length);
                    break;
                }
            }
            if (pieceId >= 0)
            {
                ids.Add(pieceId);
                i += pieceLength;
                continue;
            }
            ids.Add(characterIds.GetValueOrDefault(text[i], UnknownId));
            i++;
        }
        return [.. ids];
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            if (id == EndOfSequenceId)
                break;
            if (id == UnknownId)
                text.Append('\uFFFD');
            else if (!IsSpecial(id))
                text.Append(TokenText(id));
        }
        return text.ToString();
    }

    public string DecodeWithSpecialTokens(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids)
            text.Append(TokenText(id));
        return text.ToString();
    }

    public int[] BuildPrompt(string problem, int imageTokenCount)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageTokenCount, 1);
        var ids = new List<int>(imageTokenCount + problem.Length + 24);
        AddTurnStart(ids, "system");
        ids.AddRange(Encode(EasyR1Prompt.SystemMessage));
        AddTurnEnd(ids);
        AddTurnStart(ids, "user");
        ids.Add(VisionStartId);
        ids.AddRange(Enumerable.Repeat(ImagePadId, imageTokenCount));
        ids.Add(VisionEndId);
        // Encoded separately so that no piece can straddle the problem and the instruction.
        ids.AddRange(Encode(problem));
        ids.AddRange(Encode(EasyR1Prompt.Instruction));
        AddTurnEnd(ids);
        AddTurnStart(ids, "assistant");
        return [.. ids];
    }

    private void AddTurnStart(List<int> ids, string role)
    {
        ids.Add(ImStartId);
        ids.AddRange(Encode(role + "\n"));
    }

    private void AddTurnEnd(List<int> ids)
    {
        ids.Add(EndOfSequenceId);
        ids.AddRange(Encode("\n"));
    }

    private string TokenText(int id) =>
        id >= 0 && id < vocabulary.Length
            ? vocabulary[id]
            : throw new ArgumentOutOfRangeException(
                nameof(id),
                id,
                $"Token id {id} is outside the vocabulary of {vocabulary.Length} ({Name})."
            );
}
