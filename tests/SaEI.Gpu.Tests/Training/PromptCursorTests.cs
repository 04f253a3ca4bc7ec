using SaEI.Gpu.Training;

namespace SaEI.Gpu.Tests.Training;

public sealed class PromptCursorTests
{
    [Fact]
    public void Each_epoch_visits_every_problem_once_in_a_seeded_order_reshuffled_per_epoch()
    {
        var cursor = new PromptCursor(10, seed: 7);
        int[] first = cursor.Next(10),
            second = cursor.Next(10);
        Assert.Equal(Enumerable.Range(0, 10), first.Order());
        Assert.Equal(Enumerable.Range(0, 10), second.Order());
        Assert.NotEqual(first, second);
        Assert.Equal(2, cursor.Epoch);
        Assert.Equal(first, new PromptCursor(10, seed: 7).Next(10));
        Assert.NotEqual(first, new PromptCursor(10, seed: 8).Next(10));
        Assert.Equal(first, PromptCursor.Permutation(10, 7, 0));
    }

    [Fact]
    public void A_cursor_rebuilt_from_epoch_and_position_continues_the_same_sequence()
    {
        var straight = new PromptCursor(7, seed: 3);
        var expected = Enumerable.Range(0, 6).SelectMany(_ => straight.Next(3)).ToArray();
        var first = new PromptCursor(7, seed: 3);
        var head = Enumerable.Range(0, 3).SelectMany(_ => first.Next(3)).ToArray();
        var resumed = new PromptCursor(7, seed: 3, first.Epoch, first.Position);
        var tail = Enumerable.Range(0, 3).SelectMany(_ => resumed.Next(3)).ToArray();
        Assert.Equal(expected, head.Concat(tail));
    }

    [Fact]
    public void A_position_outside_the_data_is_refused_with_the_likely_cause()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PromptCursor(5, 1, epoch: 0, position: 9));
        Assert.Contains("other training data", error.Message);
    }
}
