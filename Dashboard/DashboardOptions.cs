using System.Net;
using System.Security.Cryptography;

namespace SaEI.Dashboard;

/// <summary>
/// Where the dashboard listens and who may act (docs/dashboard.md). Configuration section "Saei:Dashboard" in a
/// control silo (e.g. Saei__Dashboard__Port=8480), or the flags of `saei dashboard`.
/// </summary>
public sealed record DashboardOptions
{
    public const string Section = "Saei:Dashboard";

    /// <summary>The variable that holds the actions token; without it a random token is generated at start.</summary>
    public const string TokenVariable = "SAEI_DASHBOARD_TOKEN";

    public const int DefaultPort = 8480;

    /// <summary>TCP port (0: any free port, for tests). Default <see cref="DefaultPort"/>.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The address to listen on. Default 127.0.0.1: a dashboard is reachable from this machine only.</summary>
    public IPAddress Bind { get; init; } = IPAddress.Loopback;

    /// <summary>The actions token (cancel, re-queue); null: <see cref="TokenVariable"/>, else generated at start.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>How long the data of a page is reused by the next requests. Default 500 ms: a page polling every
    /// second sees fresh data, and 32 clients do not each fan out to every run grain.</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The shortest token accepted, in characters.</summary>
    public const int MinimumTokenLength = 16;

    /// <summary>Every problem with these options, each naming the key (or flag) and the fix; empty when valid.
    /// <paramref name="tokenGiven"/>: a token was set by configuration or <see cref="TokenVariable"/>.</summary>
    public IReadOnlyList<string> Problems(
        bool tokenGiven,
        string portKey = Section + ":Port",
        string bindKey = Section + ":Bind"
    )
    {
        var problems = new List<string>();
        if (Port is < 0 or > 65535)
            problems.Add($"{portKey} is {Port}; set a TCP port between 1 and 65535.");
        if (!IPAddress.IsLoopback(Bind) && !tokenGiven)
            problems.Add(
                $"{bindKey} is {Bind}, beyond loopback, without a token: anyone who reaches the port "
                    + $"could cancel sweeps. Set {TokenVariable} (at least {MinimumTokenLength} characters) or bind to "
                    + "127.0.0.1."
            );
        if (Token is { Length: < MinimumTokenLength })
            problems.Add(
                $"the dashboard token has {Token.Length} characters; set {TokenVariable} to "
                    + $"{MinimumTokenLength} or more (e.g. `openssl rand -hex 16`)."
            );
        return problems;
    }

    /// <summary>The token given, else <see cref="TokenVariable"/>, else null.</summary>
    public static string? GivenToken(string? configured) =>
        string.IsNullOrEmpty(configured) ? NullIfEmpty(Environment.GetEnvironmentVariable(TokenVariable)) : configured;

    /// <summary>A random token: 32 hex characters (128 bits).</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
