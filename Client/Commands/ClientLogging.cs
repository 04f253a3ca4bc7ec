using Microsoft.Extensions.Logging;

namespace SaEI.Client.Commands;

/// <summary>
/// The client host's logging: warnings and errors only, one line each, on stderr, so that stdout carries results
/// alone (`--json` stays parseable). An exception is shown as its type and message; the stack trace only with
/// SAEI_DEBUG=1, since the expected failures (no silo, refused certificate) need no trace to be understood.
/// </summary>
public static class ClientLogging
{
    public static void Configure(ILoggingBuilder logging, TextWriter error)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddProvider(new OneLineProvider(error, Environment.GetEnvironmentVariable("SAEI_DEBUG") == "1"));
    }

    private sealed class OneLineProvider(TextWriter error, bool stackTraces) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new OneLineLogger(error, categoryName, stackTraces);

        public void Dispose()
        {
        }
    }

    private sealed class OneLineLogger(TextWriter error, string category, bool stackTraces) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string level = logLevel == LogLevel.Warning ? "warning" : "error";
            string cause = exception is null ? "" : stackTraces ? $"\n{exception}" : $" ({exception.GetType().Name}: {FirstLine(exception.Message)})";
            string line = $"saei: {level}: {category}: {FirstLine(formatter(state, exception))}{cause}";
            lock (error) error.WriteLine(line);
        }

        private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd();
    }
}
