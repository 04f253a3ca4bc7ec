using SaEI.Gpu.Objectives;
using SaEI.Gpu.Runtime;
using TorchSharp;
using static SaEI.Gpu.Tests.Objectives.Tensors;

namespace SaEI.Gpu.Tests.Objectives;

public sealed class GroupAdvantageTests
{
    public GroupAdvantageTests() => TorchRuntime.Initialize(1);

    [Fact]
    public void Hand_computed_groups_use_the_unbiased_std_plus_epsilon()
    {
        using var scope = torch.NewDisposeScope();
        // Group 1 r = [1,0,0,0]: mean 0.25, unbiased var = (0.75² + 3·0.25²)/3 = 0.25, std 0.5.
        // Group 2 r = [1,1,0,0]: mean 0.5,  unbiased var = 4·0.25/3 = 1/3, std = 0.5773502691896258.
        var scores = F64([1, 0, 0, 0, 1, 1, 0, 0], 8);
        double s1 = 0.5 + 1e-6,
            s2 = Math.Sqrt(1.0 / 3) + 1e-6;
        Close(
            [0.75 / s1, -0.25 / s1, -0.25 / s1, -0.25 / s1, 0.5 / s2, 0.5 / s2, -0.5 / s2, -0.5 / s2],
            GroupAdvantage.Compute(scores, groupSize: 4),
            12
        );
    }

    [Fact]
    public void Equal_rewards_give_exactly_zero_even_when_the_mean_is_inexact()
    {
        using var scope = torch.NewDisposeScope();
        // 0.1f summed 7 times and divided by 7 is not exactly 0.1f; without the max == min rule A would be ±O(1e-3).
        var scores = torch.tensor(Enumerable.Repeat(0.1f, 7).Concat(Enumerable.Repeat(0.9f, 7)).ToArray());
        var advantages = GroupAdvantage.Compute(scores, groupSize: 7);
        Assert.All(Values(advantages), a => Assert.Equal(0.0, a));
    }

    [Fact]
    public void Vectorised_matches_a_loop_on_seeded_random_scores()
    {
        using var scope = torch.NewDisposeScope();
        const int prompts = 5,
            group = 6;
        var random = new Random(11);
        double[] scores = Enumerable
            .Range(0, prompts * group)
            .Select(_ => Math.Round(random.NextDouble(), 1))
            .ToArray();
        var expected = new double[scores.Length];
        for (int b = 0; b < prompts; b++)
        {
            var rewards = scores.Skip(b * group).Take(group).ToArray();
            double mean = rewards.Average();
            double std = Math.Sqrt(rewards.Sum(r => (r - mean) * (r - mean)) / (group - 1));
            bool equal = rewards.Max() == rewards.Min();
            for (int g = 0; g < group; g++)
                expected[b * group + g] = equal ? 0 : (rewards[g] - mean) / (std + 1e-6);
        }
        Close(expected, GroupAdvantage.Compute(F64(scores, scores.Length), group), 12);
    }

    [Fact]
    public void Token_advantages_cover_the_response_mask_only()
    {
        using var scope = torch.NewDisposeScope();
        var tokens = GroupAdvantage.ToTokens(F64([2, -1], 2), F64([1, 1, 0, 1, 0, 0], 2, 3));
        Close([2, 2, 0, -1, 0, 0], tokens);
    }

    [Fact]
    public void Bad_shapes_and_single_response_groups_are_rejected_with_the_fix()
    {
        using var scope = torch.NewDisposeScope();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GroupAdvantage.Compute(F64([1, 0], 2), 1));
        Assert.Contains("group_size", error.Message);
        var shape = Assert.Throws<ArgumentException>(() => GroupAdvantage.Compute(F64([1, 0, 1], 3), 2));
        Assert.Contains("divisible", shape.Message);
    }
}
