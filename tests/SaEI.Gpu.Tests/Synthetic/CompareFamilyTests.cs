using System.Globalization;
using System.Text.RegularExpressions;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Rewards;
using SaEI.Gpu.Tasks.Synthetic;
using SaEI.Gpu.Tokenization;
using SaEI.Gpu.Training.Sft;

namespace SaEI.Gpu.Tests.Synthetic;

public sealed class CompareFamilyTests
{
    private static IReadOnlyList<(VisualProblem Problem, SyntheticDraft Draft)> Drafts(
        int difficulty,
        int size,
        int count,
        ulong seed = 3
    ) =>
        new SyntheticTask(
            new SyntheticTaskOptions
            {
                Families = [SyntheticFamily.Compare],
                Difficulty = difficulty,
                ImageSize = size,
                Seed = seed,
            }
        ).GenerateDrafts(count);

    [Theory]
    [InlineData(1, 32)]
    [InlineData(1, 64)]
    [InlineData(2, 64)]
    [InlineData(3, 64)]
    public void Answer_follows_from_the_shapes_counted_in_the_pixels(int difficulty, int size)
    {
        foreach (var (problem, draft) in Drafts(difficulty, size, 40))
        {
            string[] kind = draft.Scene.Kind.Split(':'); // compare:{expression}:{colours}
            string[] colours = kind[2].Split(',');
            Assert.All(colours, colour => Assert.Contains(colour, problem.Problem, StringComparison.Ordinal));
            int[] counts =
            [
                .. colours.Select(colour => PixelReading.CountRegions(problem.Image, Palette.ByName(colour))),
            ];
            Assert.All(counts, count => Assert.True(count >= 1, $"{problem.Id}: an asked colour is missing"));
            int answer = int.Parse(problem.Answer, CultureInfo.InvariantCulture);
            Assert.Equal(CompareFamily.Evaluate(kind[1], counts), answer);
            Assert.True(answer >= 0, $"{problem.Id}: negative answer {answer}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Reasoning_target_parses_states_each_count_and_runs_to_tens_of_tokens(int difficulty)
    {
        var tokenizer = new CharChatTokenizer();
        foreach (var (problem, draft) in Drafts(difficulty, 64, 40))
        {
            string target = ReasoningTarget.ForSynthetic(draft);
            var reward = MathReward.Score(target, problem.Answer);
            Assert.True(reward.Format == 1 && reward.Accuracy == 1, $"{problem.Id}: '{target}' scores {reward}");
            // "red 3, blue 5; 5-3=2": every asked colour with its count, then arithmetic that gives the answer.
            var match = Regex.Match(target, @"<think>((?:[a-z]+ \d+, )*[a-z]+ \d+); ([\d*+-]+)=(\d+)</think>");
            Assert.True(match.Success, $"{problem.Id}: '{target}'");
            foreach (string fact in match.Groups[1].Value.Split(", "))
            {
                string[] parts = fact.Split(' ');
                Assert.Equal(
                    draft.Scene.Boxes.Count(box => box.Colour == parts[0]),
                    int.Parse(parts[1], CultureInfo.InvariantCulture)
                );
            }
            Assert.Equal(problem.Answer, match.Groups[3].Value);
            int tokens = tokenizer.Encode(target).Length;
            Assert.InRange(tokens, 15, 40);
        }
    }

    [Fact]
    public void Levels_differ_in_colours_shapes_and_operations()
    {
        (double Shapes, int Colours, string[] Expressions) Level(int difficulty)
        {
            var drafts = Drafts(difficulty, 64, 120);
            return (
                drafts.Average(d => d.Draft.Scene.Boxes.Count),
                drafts.SelectMany(d => d.Draft.Scene.Boxes).Select(box => box.Colour).Distinct().Count(),
                [.. drafts.Select(d => d.Draft.Scene.Kind.Split(':')[1]).Distinct().Order(StringComparer.Ordinal)]
            );
        }
        var (one, two, three) = (Level(1), Level(2), Level(3));
        Assert.Equal((2, 3, 3), (one.Colours, two.Colours, three.Colours));
        Assert.True(
            one.Shapes < two.Shapes && two.Shapes < three.Shapes,
            $"shapes {one.Shapes} {two.Shapes} {three.Shapes}"
        );
        Assert.Equal(["a+b", "a-b"], one.Expressions);
        Assert.Equal(["a*2+b", "a+b", "a-b"], two.Expressions);
        Assert.Equal(["a*b+c", "a+b+c", "a+b-c"], three.Expressions);
    }

    [Fact]
    public void Same_seed_gives_the_same_problems()
    {
        var first = Drafts(2, 32, 30, seed: 8).Select(d => d.Problem.Id).ToArray();
        Assert.Equal(first, Drafts(2, 32, 30, seed: 8).Select(d => d.Problem.Id).ToArray());
        Assert.NotEqual(first, Drafts(2, 32, 30, seed: 9).Select(d => d.Problem.Id).ToArray());
    }
}
