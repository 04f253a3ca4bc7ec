using SaEI.Gpu.Objectives;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static SaEI.Gpu.Tests.Objectives.Tensors;

namespace SaEI.Gpu.Tests.Objectives;

public sealed class TokenSelectorTests
{
    public TokenSelectorTests() => TorchRuntime.Initialize(1);

    private static bool[] Select(double[] entropy, double[] mask, TokenSelection selection) =>
        Flags(TokenSelector.Select(F64(entropy, 1, entropy.Length), F64(mask, 1, mask.Length), selection));

    [Fact]
    public void Hand_computed_thirds_of_one_response()
    {
        using var scope = torch.NewDisposeScope();
        // H = [0.5, 0.1, 0.9, 0.3, 0.7, 0.2], L = 6, ⌊L/3⌋ = 2. Ascending: p1 0.1, p5 0.2, p3 0.3, p0 0.5, p4 0.7, p2
        // 0.9. low = {p1, p5}, moderate = {p3, p0}, high = {p4, p2}.
        double[] entropy = [0.5, 0.1, 0.9, 0.3, 0.7, 0.2];
        double[] mask = [1, 1, 1, 1, 1, 1];
        Assert.Equal([false, true, false, false, false, true], Select(entropy, mask, TokenSelection.Low));
        Assert.Equal([true, false, false, true, false, false], Select(entropy, mask, TokenSelection.Moderate));
        Assert.Equal([false, false, true, false, true, false], Select(entropy, mask, TokenSelection.High));
        Assert.Equal([false, true, true, false, true, true], Select(entropy, mask, TokenSelection.LowHigh));
        Assert.Equal([true, true, true, true, true, true], Select(entropy, mask, TokenSelection.All));
    }

    [Fact]
    public void Ties_are_broken_by_position()
    {
        using var scope = torch.NewDisposeScope();
        // Four equal entropies, ⌊4/3⌋ = 1: low = first position, high = last, moderate = the middle two.
        double[] entropy = [0.5, 0.5, 0.5, 0.5];
        double[] mask = [1, 1, 1, 1];
        Assert.Equal([true, false, false, false], Select(entropy, mask, TokenSelection.Low));
        Assert.Equal([false, true, true, false], Select(entropy, mask, TokenSelection.Moderate));
        Assert.Equal([false, false, false, true], Select(entropy, mask, TokenSelection.High));
    }

    [Fact]
    public void Masked_positions_are_never_ranked_or_selected()
    {
        using var scope = torch.NewDisposeScope();
        // Valid p1 0.4, p2 0.2, p3 0.9 (L = 3, third 1): low p2, moderate p1, high p3; p0 (−5) and p4 (+∞) are padding.
        double[] entropy = [-5, 0.4, 0.2, 0.9, double.PositiveInfinity];
        double[] mask = [0, 1, 1, 1, 0];
        Assert.Equal([false, false, true, false, false], Select(entropy, mask, TokenSelection.Low));
        Assert.Equal([false, true, false, false, false], Select(entropy, mask, TokenSelection.Moderate));
        Assert.Equal([false, false, false, true, false], Select(entropy, mask, TokenSelection.High));
        Assert.Equal([false, true, true, true, false], Select(entropy, mask, TokenSelection.All));
    }

    [Fact]
    public void Moderate_is_never_empty_for_short_responses()
    {
        using var scope = torch.NewDisposeScope();
        // L = 1: ⌊1/3⌋ = 0 → moderate = the token, low/high empty.  L = 2: moderate = both.  L = 0: nothing.
        Assert.Equal([true, false], Select([0.3, 0.1], [1, 0], TokenSelection.Moderate));
        Assert.Equal([false, false], Select([0.3, 0.1], [1, 0], TokenSelection.Low));
        Assert.Equal([false, false], Select([0.3, 0.1], [1, 0], TokenSelection.High));
        Assert.Equal([true, true], Select([0.3, 0.1], [1, 1], TokenSelection.Moderate));
        Assert.Equal([false, false], Select([0.3, 0.1], [0, 0], TokenSelection.Moderate));
    }

    [Theory]
    [InlineData(TokenSelection.All)]
    [InlineData(TokenSelection.Low)]
    [InlineData(TokenSelection.Moderate)]
    [InlineData(TokenSelection.High)]
    [InlineData(TokenSelection.LowHigh)]
    public void Vectorised_matches_a_loop_on_seeded_random_input_with_ties(TokenSelection selection)
    {
        using var scope = torch.NewDisposeScope();
        const int rows = 20,
            tokens = 15;
        var entropy = Random(21, rows, tokens, 1.0, 1.0);
        for (int i = 0; i < rows; i++)
        for (int t = 0; t < tokens; t++)
            entropy[i, t] = Math.Round(entropy[i, t], 1); // many ties
        var mask = PrefixMask(22, rows, tokens);
        var expected = new List<bool>();
        for (int i = 0; i < rows; i++)
        {
            var valid = Enumerable.Range(0, tokens).Where(t => mask[i, t] != 0).ToList();
            var order = valid.OrderBy(t => entropy[i, t]).ThenBy(t => t).ToList(); // stable: ties by position
            int length = order.Count,
                third = length / 3;
            var rank = new Dictionary<int, int>();
            for (int r = 0; r < length; r++)
                rank[order[r]] = r;
            for (int t = 0; t < tokens; t++)
            {
                if (!rank.TryGetValue(t, out int r))
                {
                    expected.Add(false);
                    continue;
                }
                bool low = r < third,
                    high = r >= length - third;
                expected.Add(
                    selection switch
                    {
                        TokenSelection.All => true,
                        TokenSelection.Low => low,
                        TokenSelection.High => high,
                        TokenSelection.LowHigh => low || high,
                        _ => !low && !high,
                    }
                );
            }
        }
        Assert.Equal([.. expected], Flags(TokenSelector.Select(F64(entropy), F64(mask), selection)));
    }

    [Fact]
    public void Selected_entropy_per_prompt_and_its_gradient()
    {
        using var scope = torch.NewDisposeScope();
        // Rows (2 per prompt): [1,2,3] sel [1,0,1] → 2; [4,5,6] sel [0,1,0] → 5; [1,1,1] sel none → 0; [2,2,2] all → 2.
        // Prompt 0: (2 + 5)/2 = 3.5; prompt 1: (0 + 2)/2 = 1. ∂(Σ prompts)/∂H: row 0 selected 1/2·1/2 = 0.25; row 1
        // selected 1/2·1 = 0.5; row 3 each 1/2·1/3 = 1/6.
        var entropy = F64([1, 2, 3, 4, 5, 6, 1, 1, 1, 2, 2, 2], 4, 3).requires_grad_(true);
        var selection = F64([1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1], 4, 3);
        var perPrompt = TokenSelector.SelectedEntropy(entropy, selection, rowsPerPrompt: 2);
        Close([3.5, 1.0], perPrompt, 12);
        perPrompt.sum().backward();
        double s = 1.0 / 6;
        Close([0.25, 0, 0.25, 0, 0.5, 0, 0, 0, 0, s, s, s], entropy.grad!, 12);
        // All rows as one group: (2 + 5 + 0 + 2)/4.
        Assert.Equal(2.25, TokenSelector.SelectedEntropy(entropy, selection).item<double>(), 12);
    }

    [Fact]
    public void Objective_gradient_flows_through_the_moderate_tokens_only()
    {
        using var scope = torch.NewDisposeScope();
        // One response, H = [0.5, 0.1, 0.9, 0.3, 0.7, 0.2]: moderate = {p0, p3}, each gets ∂/∂H = 1/2.
        var entropy = F64([0.5, 0.1, 0.9, 0.3, 0.7, 0.2], 1, 6).requires_grad_(true);
        var objective = TokenSelector.Objective(entropy, F64([1, 1, 1, 1, 1, 1], 1, 6), TokenSelection.Moderate, 1);
        Close([0.4], objective, 12);
        objective.sum().backward();
        Close([0.5, 0, 0, 0.5, 0, 0], entropy.grad!, 12);
    }
}
