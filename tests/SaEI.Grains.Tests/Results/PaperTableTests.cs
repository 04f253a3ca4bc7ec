using SaEI.Grains.Results;

namespace SaEI.Grains.Tests.Results;

public sealed class PaperTableTests
{
    private static readonly IReadOnlyList<AggregateRow> Rows =
    [
        new("grpo", "default", "geometry3k", 3, 0.5402, 0.0049),
        new("saei", "default", "geometry3k", 3, 0.5618, 0.0051),
        new("saei", "default", "mathvista", 1, 0.70, 0),
    ];

    [Fact]
    public void Markdown_has_method_rows_benchmark_columns_and_paper_cells()
    {
        string table = PaperTable.ToMarkdown(
            Rows,
            new PaperTableOptions { BenchmarkOrder = ["geometry3k"], MethodOrder = ["grpo"] }
        );
        Assert.Equal(
            """
            | Method | geometry3k | mathvista |
            |---|---:|---:|
            | grpo | 54.02 ± 0.49 | – |
            | saei | 56.18 ± 0.51 | 70.00 ± 0.00* |

            * one seed only: no spread measured.

            """.ReplaceLineEndings("\n"),
            table
        );
    }

    [Fact]
    public void Plain_text_is_aligned_and_several_configs_get_labels()
    {
        AggregateRow[] rows =
        [
            new("saei", "learning_rate=1e-4", "t", 2, 0.5, 0.01),
            new("saei", "learning_rate=3e-4", "t", 2, 0.25, 0.02),
        ];
        string table = PaperTable.ToPlainText(rows);
        // Widths: column 0 = len("saei (learning_rate=1e-4)") = 25, column 1 = len("50.00 ± 1.00") = 12; rule = 25 + 2
        // + 12.
        Assert.Equal(
            "Method"
                + new string(' ', 19)
                + "  "
                + new string(' ', 11)
                + "t\n"
                + new string('-', 39)
                + "\n"
                + "saei (learning_rate=1e-4)  50.00 ± 1.00\n"
                + "saei (learning_rate=3e-4)  25.00 ± 2.00\n",
            table
        );
    }

    [Fact]
    public void Cells_round_half_away_and_scale()
    {
        var options = new PaperTableOptions { Scale = 1, Decimals = 1 };
        Assert.Equal("56.2 ± 0.5", PaperTable.Cell(new AggregateRow("m", "c", "b", 3, 56.18, 0.51), options));
    }
}
