namespace SaEI.Grains.Runs;

/// <summary>Metric names the orchestration reads from progress reports (EasyR1 names).</summary>
public static class MetricNames
{
    public const string Reward = "reward/overall";
    public const string Entropy = "actor/entropy";

    /// <summary>In-domain test accuracy, present in a report of a step where the test set was evaluated.</summary>
    public const string Accuracy = "val/accuracy";

    /// <summary>The leaderboard's name for the in-domain test set.</summary>
    public const string InDomain = "in-domain";
}
