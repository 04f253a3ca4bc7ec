using System.Text.Json;
using System.Text.Json.Serialization;

namespace SaEI.Grains.Leaderboards;

/// <summary>
/// What `saei leaderboard EXP --json` writes and the dashboard serves (GET /api/experiments/{exp}/leaderboard): the
/// rows (mean ± std over seeds) and the comparisons with the baseline, read the same way by both.
/// </summary>
public sealed record LeaderboardDocument(
    string Experiment,
    string Baseline,
    IReadOnlyList<LeaderboardRow> Rows,
    IReadOnlyList<LeaderboardComparison> Comparisons
)
{
    /// <summary>The client's JSON: snake_case keys and enum values, indented.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Rows of <paramref name="benchmark"/> (every benchmark when null) and the comparisons with
    /// <paramref name="baseline"/>, from the experiment's leaderboard grain.</summary>
    public static async Task<LeaderboardDocument> LoadAsync(
        IGrainFactory grains,
        string experiment,
        string? benchmark,
        string baseline
    )
    {
        ArgumentNullException.ThrowIfNull(grains);
        var leaderboard = grains.GetGrain<ILeaderboardGrain>(experiment);
        var rows = await leaderboard.QueryAsync(benchmark);
        var comparisons = await leaderboard.CompareAsync(benchmark, baseline);
        return new LeaderboardDocument(experiment, baseline, rows, comparisons);
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
