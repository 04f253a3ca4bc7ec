using SaEI.Gpu.Objectives;
using SaEI.Gpu.Runtime;
using SaEI.Gpu.Training;
using TorchSharp;
using static SaEI.Gpu.Tests.Objectives.Tensors;

namespace SaEI.Gpu.Tests.Objectives;

public sealed class LossAggregatorTests
{
    public LossAggregatorTests() => TorchRuntime.Initialize(1);

    [Fact]
    public void Hand_computed_token_mean_and_sequence_mean()
    {
        using var scope = torch.NewDisposeScope();
        // values [[1,2,3],[4,5,6]], mask [[1,1,0],[1,0,0]]:
        //   token mean = (1+2+4)/3 = 7/3;  seq-mean-token-mean = ((1+2)/2 + 4/1)/2 = 2.75.
        var values = F64([1, 2, 3, 4, 5, 6], 2, 3);
        var mask = F64([1, 1, 0, 1, 0, 0], 2, 3);
        Assert.Equal(7.0 / 3, LossAggregator.Aggregate(values, mask, LossAggregation.TokenMean).item<double>(), 12);
        Assert.Equal(
            2.75,
            LossAggregator.Aggregate(values, mask, LossAggregation.SequenceMeanTokenMean).item<double>(),
            12
        );
        // With a mini-batch denominator (10 tokens / 4 rows): 7/10 and (1.5 + 4)/4.
        Assert.Equal(0.7, LossAggregator.Aggregate(values, mask, LossAggregation.TokenMean, 10).item<double>(), 12);
        Assert.Equal(
            1.375,
            LossAggregator.Aggregate(values, mask, LossAggregation.SequenceMeanTokenMean, 4).item<double>(),
            12
        );
    }

    [Fact]
    public void Empty_rows_count_as_zero_and_an_empty_batch_aggregates_to_zero()
    {
        using var scope = torch.NewDisposeScope();
        // mask [[1,1,0],[0,0,0]]: seq mean = (1.5 + 0)/2 = 0.75.
        var values = F64([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(
            0.75,
            LossAggregator
                .Aggregate(values, F64([1, 1, 0, 0, 0, 0], 2, 3), LossAggregation.SequenceMeanTokenMean)
                .item<double>(),
            12
        );
        Assert.Equal(
            0.0,
            LossAggregator.Aggregate(values, F64(new double[6], 2, 3), LossAggregation.TokenMean).item<double>()
        );
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean)]
    [InlineData(LossAggregation.SequenceMeanTokenMean)]
    public void Vectorised_matches_a_loop_on_seeded_random_input(LossAggregation mode)
    {
        using var scope = torch.NewDisposeScope();
        var values = Random(7, 9, 8);
        var mask = PrefixMask(8, 9, 8);
        double sum = 0,
            count = 0,
            rowMeans = 0;
        for (int i = 0; i < 9; i++)
        {
            double rowSum = 0,
                rowCount = 0;
            for (int t = 0; t < 8; t++)
            {
                rowSum += values[i, t] * mask[i, t];
                rowCount += mask[i, t];
            }
            sum += rowSum;
            count += rowCount;
            rowMeans += rowCount == 0 ? 0 : rowSum / rowCount;
        }
        double expected = mode == LossAggregation.TokenMean ? sum / count : rowMeans / 9;
        Assert.Equal(expected, LossAggregator.Aggregate(F64(values), F64(mask), mode).item<double>(), 12);
    }

    [Fact]
    public void Mini_batch_totals_give_the_denominators()
    {
        using var scope = torch.NewDisposeScope();
        var totals = MiniBatchTotals.FromMask(F64([1, 1, 0, 1, 0, 0, 0, 0, 0], 3, 3));
        Assert.Equal(3.0, totals.Denominator(LossAggregation.TokenMean));
        Assert.Equal(3.0, totals.Denominator(LossAggregation.SequenceMeanTokenMean));
    }
}
