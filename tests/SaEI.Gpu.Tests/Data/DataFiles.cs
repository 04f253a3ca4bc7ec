using System.Text.Json.Serialization;
using Parquet.Serialization;

namespace SaEI.Gpu.Tests.Data;

/// <summary>A temporary folder of data files written by a test in the datasets' formats.</summary>
internal sealed class DataFiles : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("saei-data-").FullName;

    public string PathOf(string name) => System.IO.Path.Combine(Folder, name);

    public async Task<string> ParquetAsync<T>(string name, IEnumerable<T> rows)
        where T : class, new()
    {
        string path = PathOf(name);
        await ParquetSerializer.SerializeAsync(rows, path);
        return path;
    }

    public string Text(string name, string content)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string Bytes(string name, byte[] content)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

// Row shapes of the Hugging Face parquet files (an HF Image feature is a struct {bytes, path}).
internal sealed class ImageCell
{
    [JsonPropertyName("bytes")]
    public byte[]? Bytes { get; set; }

    [JsonPropertyName("path")]
    public string? Path { get; set; }
}

internal sealed class Geometry3kRow
{
    [JsonPropertyName("images")]
    public List<ImageCell>? Images { get; set; }

    [JsonPropertyName("problem")]
    public string? Problem { get; set; }

    [JsonPropertyName("answer")]
    public string? Answer { get; set; }
}

internal sealed class Geometry3kRowWithoutAnswer
{
    [JsonPropertyName("images")]
    public List<ImageCell>? Images { get; set; }

    [JsonPropertyName("problem")]
    public string? Problem { get; set; }
}

internal sealed class Mmk12Row
{
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("question")]
    public string? Question { get; set; }

    [JsonPropertyName("answer")]
    public string? Answer { get; set; }

    [JsonPropertyName("subject")]
    public string? Subject { get; set; }

    [JsonPropertyName("image")]
    public ImageCell? Image { get; set; }
}

internal sealed class MathVistaRow
{
    [JsonPropertyName("pid")]
    public string? Pid { get; set; }

    [JsonPropertyName("question")]
    public string? Question { get; set; }

    [JsonPropertyName("choices")]
    public List<string>? Choices { get; set; }

    [JsonPropertyName("answer")]
    public string? Answer { get; set; }

    [JsonPropertyName("question_type")]
    public string? QuestionType { get; set; }

    [JsonPropertyName("answer_type")]
    public string? AnswerType { get; set; }

    [JsonPropertyName("image")]
    public string? ImagePath { get; set; }

    [JsonPropertyName("decoded_image")]
    public ImageCell? DecodedImage { get; set; }
}

internal sealed class MathVerseRow
{
    [JsonPropertyName("sample_index")]
    public string? SampleIndex { get; set; }

    [JsonPropertyName("question")]
    public string? Question { get; set; }

    [JsonPropertyName("image")]
    public ImageCell? Image { get; set; }

    [JsonPropertyName("answer")]
    public string? Answer { get; set; }

    [JsonPropertyName("question_type")]
    public string? QuestionType { get; set; }

    [JsonPropertyName("problem_version")]
    public string? ProblemVersion { get; set; }
}
