namespace SaEI.Gpu.Checkpoints;

/// <summary>
/// Errors of checkpoint reading and writing: a corrupt, truncated or inconsistent file, or one that is not the model
/// the caller expects. <see cref="InvalidDataException"/> is sealed, so this is a factory rather than a subclass:
/// the message always names the file (and the tensor where one is at fault), and <see cref="Exception.Data"/> carries
/// the same under <see cref="FileKey"/> and <see cref="TensorKey"/> for code. When validation throws, nothing has
/// been copied into the caller's tensors.
/// </summary>
public static class CheckpointError
{
    public const string FileKey = "CheckpointFile";
    public const string TensorKey = "CheckpointTensor";

    public static InvalidDataException Create(
        string filePath,
        string? tensorName,
        string problem,
        Exception? inner = null
    )
    {
        string message = tensorName is null ? $"{filePath}: {problem}" : $"{filePath}: tensor '{tensorName}' {problem}";
        var error = new InvalidDataException(message, inner);
        error.Data[FileKey] = filePath;
        error.Data[TensorKey] = tensorName;
        return error;
    }

    /// <summary>The file an error of this class names, or null for any other exception.</summary>
    public static string? FileOf(Exception error) => error.Data[FileKey] as string;

    /// <summary>The tensor an error of this class names (as spelt in the file), or null.</summary>
    public static string? TensorOf(Exception error) => error.Data[TensorKey] as string;
}
