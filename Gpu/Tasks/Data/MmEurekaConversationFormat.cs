using System.Collections;
using System.Text.Json;
using SaEI.Gpu.Tasks.Images;

namespace SaEI.Gpu.Tasks.Data;

/// <summary>
/// MM-Eureka's JSONL conversations. Two layouts per line:
/// 1. MM-Eureka: <c>message</c> (a list of chat messages, or that list JSON-encoded in a string) whose user content has
///    parts {"type":"image","image":path} and {"type":"text","text":question}; <c>answer</c>; optional <c>id</c>.
/// 2. LLaVA style: <c>conversations</c> [{from: human, value: "&lt;image&gt;question"}, {from: gpt, value: answer}],
///    <c>image</c> (path); <c>answer</c> when present wins over the gpt turn.
/// Image paths resolve against the JSONL file's folder; "file://" prefixes are stripped.
/// </summary>
public static class MmEurekaConversationFormat
{
    public const string Name = "mm-eureka";

    public static VisualProblem FromRow(DataRow row, ImageLimits limits)
    {
        string id = row.OptionalString("id") ?? $"{Name}-{row.Row}";
        return row.Has("message") ? FromMessages(row, id, limits) : FromConversations(row, id, limits);
    }

    private static VisualProblem FromMessages(DataRow row, string id, ImageLimits limits)
    {
        object? raw = row.Raw("message");
        if (raw is string encoded)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(encoded);
                raw = TableReader.ToObject(document.RootElement);
            }
            catch (JsonException error)
            {
                throw new DataFormatException(
                    row.At("message"),
                    $"message is a string but not JSON (at byte {error.BytePositionInLine}); store the conversation "
                        + $"as a JSON list.",
                    error
                );
            }
        }
        string? question = null;
        string? imagePath = null;
        foreach (var message in Dictionaries(raw))
        {
            if (!Equals(Get(message, "role"), "user"))
                continue;
            object? content = Get(message, "content");
            if (content is string text)
                question = text;
            foreach (var part in Dictionaries(content))
            {
                if (Equals(Get(part, "type"), "image"))
                    imagePath ??= Get(part, "image") as string;
                if (Equals(Get(part, "type"), "text"))
                    question = Get(part, "text") as string;
            }
        }
        if (question is null)
            throw new DataFormatException(row.At("message"), "no user text part in the messages.");
        if (imagePath is null)
            throw new DataFormatException(row.At("message"), "no user image part in the messages.");
        var imageRow = new DataRow(
            row.File,
            row.Row,
            new Dictionary<string, object?> { ["message.image"] = imagePath },
            row.ImageFolder,
            row.Roots
        );
        return new VisualProblem(
            id,
            ProblemText.StripImageTags(question),
            row.RequireString("answer").Trim(),
            null,
            imageRow.RequireImage(limits, "message.image"),
            Name,
            "conversation"
        );
    }

    private static VisualProblem FromConversations(DataRow row, string id, ImageLimits limits)
    {
        string? question = null,
            reply = null;
        foreach (var turn in Dictionaries(row.Raw("conversations")))
        {
            string? from = Get(turn, "from") as string;
            if (from is "human" or "user")
                question ??= Get(turn, "value") as string;
            if (from is "gpt" or "assistant")
                reply ??= Get(turn, "value") as string;
        }
        if (question is null)
            throw new DataFormatException(row.At("conversations"), "no human turn.");
        string answer =
            row.OptionalString("answer")
            ?? reply
            ?? throw new DataFormatException(row.At("answer"), "no answer field and no gpt turn.");
        return new VisualProblem(
            id,
            ProblemText.StripImageTags(question),
            answer.Trim(),
            null,
            row.RequireImage(limits, "image", "images"),
            Name,
            "conversation"
        );
    }

    private static object? Get(IDictionary<string, object?> item, string key) =>
        item.TryGetValue(key, out object? value) ? value : null;

    private static IEnumerable<IDictionary<string, object?>> Dictionaries(object? value) =>
        value is IEnumerable items and not string ? items.OfType<IDictionary<string, object?>>() : [];
}
