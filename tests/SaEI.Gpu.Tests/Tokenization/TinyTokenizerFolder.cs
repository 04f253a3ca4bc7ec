using SaEI.Gpu.Tokenization;

namespace SaEI.Gpu.Tests.Tokenization;

/// <summary>A tiny byte-level tokenizer.json in a fresh temporary folder, laid out like case A's config (vocab
/// 300).</summary>
internal sealed class TinyTokenizerFolder : IDisposable
{
    public static readonly Dictionary<string, int> SpecialTokens = new()
    {
        ["<|vision_start|>"] = 288,
        ["<|vision_end|>"] = 289,
        ["<|image_pad|>"] = 290,
        ["<|im_start|>"] = 296,
        ["<|endoftext|>"] = 297,
        ["<|im_end|>"] = 298,
    };

    // he=256, ll=257, hell=258, " w"=259.
    public static readonly (string, string)[] Merges = [("h", "e"), ("l", "l"), ("he", "ll"), (" ", "w")];

    public TinyTokenizerFolder()
    {
        Folder = Directory.CreateTempSubdirectory("saei-tokenizer-").FullName;
        TinyTokenizerJsonWriter.Write(File, SpecialTokens, Merges);
    }

    public string Folder { get; }

    public string File => Path.Combine(Folder, TokenizerJsonFile.FileName);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
