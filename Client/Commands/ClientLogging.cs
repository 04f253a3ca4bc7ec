using Microsoft.Extensions.Logging;

namespace SaEI.Client.Commands;

/// <summary>
/// The client host's logging: warnings and errors only, one line each, on stderr, so that stdout carries results
/// alone (`--json` stays parseable). An exception is shown as its type and message; the stack trace only with
/// SAEI_DEBUG=1, since the expected failures (no silo, refused certificate) need no trace to be understood. The
/// warnings that only restate such a failure (each refused connection attempt, the host's "failed to start", the
/// manifest provider stopped mid-start) are left out: the verb's own one-line error says what happened and what to
/// do; SAEI_DEBUG=1 shows them all.
/// </summary>
public static class ClientLogging
{
    public static void Configure(ILoggingBuilder logging, TextWriter error)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        bool debug = Environment.GetEnvironmentVariable("SAEI_DEBUG") == "1";
        if (!debug)
        {
            logging.AddFilter("Orleans.Runtime.Messaging.ConnectionManager", LogLevel.Error);
            logging.AddFilter("Orleans.Runtime.ClientClusterManifestProvider", LogLevel.Critical);
            logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
        }
        logging.AddProvider(new OneLineProvider(error, debug));
    }

    private sealed class OneLineProvider(TextWriter error, bool stackTraces) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new OneLineLogger(error, categoryName, stackTraces);

        public void Dispose() { }
    }

    private sealed class OneLineLogger(TextWriter error, string category, bool stackTraces) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        )
        {
            if (!IsEnabled(logLevel))
                return;
            string level = logLevel == LogLevel.Warning ? "warning" : "error";
            string cause =
                exception is null ? ""
                : stackTraces ? $"\n{exception}"
                : $" ({exception.GetType().Name}: {FirstLine(exception.Message)})";
            string line = $"saei: {level}: {category}: {FirstLine(formatter(state, exception))}{cause}";
            lock (error)
                error.WriteLine(line);
        }

        private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd();
    }
}
