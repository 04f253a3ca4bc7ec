namespace SaEI.Grains.Experiments;

/// <summary>
/// Bounds on the executor options a client sends with a launch (e.g. the simulated step duration). They are copied
/// into every run's descriptor and grain state, so a launch with a million entries would multiply into the state of
/// every run. Real launches send at most a handful of short entries.
/// </summary>
public static class ExecutorOptionLimits
{
    public const int MaxEntries = 32,
        MaxKeyLength = 64,
        MaxValueLength = 256;

    /// <summary>An error naming the entry and the limit; null when the options are within bounds.</summary>
    public static string? Check(IReadOnlyDictionary<string, string> options)
    {
        if (options.Count > MaxEntries)
            return $"the launch carries {options.Count} executor options; at most {MaxEntries} are allowed.";
        foreach (var (key, value) in options)
        {
            if (key.Length is 0 or > MaxKeyLength)
                return $"executor option key '{Clip(key)}' has {key.Length} characters; use 1..{MaxKeyLength}.";
            if ((value?.Length ?? 0) > MaxValueLength)
                return $"executor option {key} has a value of {value!.Length} characters; at most {MaxValueLength} "
                    + $"are allowed.";
            if (value is null)
                return $"executor option {key} has no value; give one.";
        }
        return null;
    }

    private static string Clip(string text) => text.Length <= MaxKeyLength ? text : text[..MaxKeyLength] + "…";
}
