using System.Reflection;
using System.Text.Json;
using SaEI.Gpu.Tasks.Data;
using SaEI.Grains.Runs;
using SaEI.Grains.Sweeps;

namespace SaEI.Grains.Workers;

/// <summary>
/// The class of an attempt's failure (docs/architecture.md §5; issue #11, item 4). Pure, so it is tested alone.
/// Decisions:
/// 1. A <see cref="RunFailureException"/> carries its class (the executor knew it).
/// 2. Anything else that says the run's input is wrong is configuration/data, never retried, because the same input
///    fails the same way: bad data (<see cref="DataFormatException"/>: corrupt or oversized images, truncated
///    tables, limits exceeded, paths outside the data roots), missing files, refused access, a bad spec.
///    Wrappers (aggregate, target-invocation) are classified by what they wrap.
/// 3. Everything else (storage, network, process, device) is infrastructure: retried from the last checkpoint.
/// </summary>
public static class FailureClassifier
{
    /// <summary>The class and the message recorded for <paramref name="error"/>.</summary>
    public static (FailureKind Kind, string Message) Classify(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var cause = Unwrap(error);
        if (cause is RunFailureException failure)
            return (failure.Kind, failure.Message);
        string message = cause is DataFormatException ? cause.Message : $"{cause.GetType().Name}: {cause.Message}";
        return (IsConfiguration(cause) ? FailureKind.Configuration : FailureKind.Infrastructure, message);
    }

    /// <summary>True when <paramref name="error"/> says the run's data, paths or options are wrong.</summary>
    public static bool IsConfiguration(Exception error) =>
        Unwrap(error) switch
        {
            RunFailureException failure => failure.Kind == FailureKind.Configuration,
            DataFormatException
            or InvalidDataException
            or FileNotFoundException
            or DirectoryNotFoundException
            or UnauthorizedAccessException
            or SweepSpecException
            or JsonException
            or FormatException => true,
            AggregateException aggregate => aggregate.InnerExceptions.Count > 0
                && aggregate.InnerExceptions.All(IsConfiguration),
            _ => false,
        };

    private static Exception Unwrap(Exception error)
    {
        for (int depth = 0; depth < 16; depth++)
        {
            switch (error)
            {
                case AggregateException { InnerExceptions.Count: 1 } single:
                    error = single.InnerExceptions[0];
                    break;
                case TargetInvocationException { InnerException: { } inner }:
                    error = inner;
                    break;
                default:
                    return error;
            }
        }
        return error;
    }
}
