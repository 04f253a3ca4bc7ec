using System.Text.RegularExpressions;
using SaEI.Gpu.Tasks.Rewards;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Tokenization;
using SaEI.Gpu.Training.Sft;

namespace SaEI.Gpu.Tests.Sft;

public sealed class ReasoningTargetTests
{
    [Fact]
    public void Format_wraps_reasoning_and_answer_in_think_then_boxed()
    {
        Assert.Equal("<think>4+7=11</think>\\boxed{11}", ReasoningTarget.Format("4+7=11", "11"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_synthetic_target_has_full_format_and_accuracy_reward(int difficulty)
    {
        var task = new SyntheticTask(new SyntheticTaskOptions { Difficulty = difficulty, Seed = 5 });
        var tokenizer = new CharChatTokenizer();
        foreach (var (problem, draft) in task.GenerateDrafts(60))
        {
            string target = ReasoningTarget.ForSynthetic(draft);
            var reward = MathReward.Score(target, problem.Answer);
            Assert.True(
                reward.Format == 1 && reward.Accuracy == 1,
                $"{problem.Id}: '{target}' for answer {problem.Answer} scores {reward}"
            );
            int tokens = tokenizer.Encode(target).Length;
            Assert.True(tokens <= 26, $"{problem.Id}: target '{target}' is {tokens} tokens; keep targets short (CPU)");
        }
    }

    [Fact]
    public void Reasoning_states_the_facts_that_give_the_answer()
    {
        var task = new SyntheticTask(new SyntheticTaskOptions { Difficulty = 3, Seed = 9 });
        foreach (var (problem, draft) in task.GenerateDrafts(80))
        {
            string reasoning = Regex.Match(ReasoningTarget.ForSynthetic(draft), "<think>(.*)</think>").Groups[1].Value;
            int answer = int.Parse(problem.Answer, System.Globalization.CultureInfo.InvariantCulture);
            switch (draft.Family)
            {
                case SyntheticFamily.Sum:
                    // "a+b+c=s": the terms are the drawn numbers and add up to the answer.
                    var sides = reasoning.Split('=');
                    var terms = sides[0].Split('+').Select(int.Parse).ToArray();
                    Assert.Equal(draft.Scene.Texts.Select(text => text.Value).Order(), terms.Order());
                    Assert.Equal(answer, terms.Sum());
                    break;
                case SyntheticFamily.Length:
                    // "3,7,5 max 7": the bar lengths top to bottom, then their maximum.
                    var lengths = reasoning.Split(" max ")[0].Split(',').Select(int.Parse).ToArray();
                    Assert.Equal(answer, lengths.Max());
                    Assert.Equal(draft.Scene.Boxes.Count, lengths.Length);
                    break;
                case SyntheticFamily.Counting:
                    Assert.Matches($"^{answer} [a-z]+$", reasoning);
                    Assert.Contains(reasoning.Split(' ')[1], problem.Problem, StringComparison.Ordinal);
                    break;
                default:
                    Assert.EndsWith($"={answer}", reasoning, StringComparison.Ordinal);
                    break;
            }
        }
    }
}
