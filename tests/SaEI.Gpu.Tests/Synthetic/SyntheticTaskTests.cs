using System.Diagnostics;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tasks.Images;
using SaEI.Gpu.Tasks.Synthetic;
using Xunit.Abstractions;

namespace SaEI.Gpu.Tests.Synthetic;

public sealed class SyntheticTaskTests(ITestOutputHelper output)
{
    private static IReadOnlyList<(VisualProblem Problem, SyntheticDraft Draft)> Drafts(
        SyntheticFamily family,
        int difficulty,
        int size,
        int count,
        ulong seed = 11
    ) =>
        new SyntheticTask(
            new SyntheticTaskOptions
            {
                Families = [family],
                Difficulty = difficulty,
                ImageSize = size,
                Seed = seed,
            }
        ).GenerateDrafts(count);

    [Fact]
    public void Same_seed_gives_byte_identical_problems_and_other_seeds_differ()
    {
        var options = new SyntheticTaskOptions { Seed = 42, Difficulty = 2 };
        IReadOnlyList<VisualProblem> first = new SyntheticTask(options).Generate(60);
        IReadOnlyList<VisualProblem> second = new SyntheticTask(options).Generate(60);
        for (int i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i].Id, second[i].Id);
            Assert.Equal(first[i].Problem, second[i].Problem);
            Assert.Equal(first[i].Answer, second[i].Answer);
            Assert.True(first[i].Image.Rgb.AsSpan().SequenceEqual(second[i].Image.Rgb), $"image {i} differs");
        }
        // prefix-stable
        Assert.Equal(first.Take(20).Select(p => p.Id), new SyntheticTask(options).Generate(20).Select(p => p.Id));
        var other = new SyntheticTask(options with { Seed = 43 }).Generate(60);
        Assert.True(first.Zip(other).Count(pair => pair.First.Id == pair.Second.Id) < 3);
        Assert.Equal(4, first.Select(p => p.Family).Distinct().Count());
        Assert.All(first, p => Assert.True(p.Problem.Length <= 32, $"question too long: {p.Problem}"));
    }

    [Fact]
    public void Train_and_test_splits_are_disjoint_even_across_seeds()
    {
        var options = new SyntheticTaskOptions { Seed = 5, Difficulty = 1 };
        var train = new SyntheticTask(options).Generate(600);
        var test = new SyntheticTask(options with { Split = SyntheticSplit.Test }).Generate(200);
        var testOtherSeed = new SyntheticTask(options with { Split = SyntheticSplit.Test, Seed = 6 }).Generate(200);
        static string Content(VisualProblem p) =>
            $"{p.Problem}|{p.Answer}|{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(p.Image.Rgb))}";
        var trainContent = train.Select(Content).ToHashSet();
        Assert.Equal(600, trainContent.Count); // no duplicates within a split
        Assert.DoesNotContain(test.Select(Content), trainContent.Contains);
        Assert.DoesNotContain(testOtherSeed.Select(Content), trainContent.Contains);
        Assert.Equal(200, test.Select(p => p.Id).Distinct().Count());
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(2, 64)]
    [InlineData(3, 64)]
    [InlineData(3, 128)]
    public void Counting_answer_equals_the_connected_regions_of_the_asked_colour(int difficulty, int size)
    {
        foreach (var (problem, _) in Drafts(SyntheticFamily.Counting, difficulty, size, 40))
        {
            string colour = problem.Problem.Split(' ')[2]; // "How many {colour} shapes?"
            Assert.Equal(int.Parse(problem.Answer), PixelReading.CountRegions(problem.Image, Palette.ByName(colour)));
        }
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(2, 64)]
    [InlineData(3, 64)]
    [InlineData(2, 96)]
    public void Sum_answer_equals_the_numbers_read_from_the_glyphs(int difficulty, int size)
    {
        foreach (var (problem, draft) in Drafts(SyntheticFamily.Sum, difficulty, size, 40))
        {
            int sum = draft.Scene.Texts.Sum(text =>
                PixelReading.ReadNumber(problem.Image, text.X, text.Y, text.Scale, Palette.Ink)
            );
            Assert.Equal(int.Parse(problem.Answer), sum);
            // Nothing else is drawn: every ink pixel lies inside a recorded number's box.
            for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                if (problem.Image[x, y] != Palette.Background)
                    Assert.Contains(
                        draft.Scene.Texts,
                        t => x >= t.X && y >= t.Y && x < t.X + (16 * t.Scale) && y < t.Y + (5 * t.Scale)
                    );
        }
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(2, 64)]
    [InlineData(3, 64)]
    [InlineData(3, 128)]
    public void Length_answer_equals_the_longest_bar_measured_in_pixels(int difficulty, int size)
    {
        foreach (var (problem, _) in Drafts(SyntheticFamily.Length, difficulty, size, 40))
        {
            Dictionary<string, int> units = PixelReading.BarUnits(problem.Image);
            Assert.Equal(difficulty == 3 ? 3 : 2, units.Count);
            Assert.Equal(units.Count, units.Values.Distinct().Count());
            Assert.Equal(int.Parse(problem.Answer), units.Values.Max());
        }
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(2, 64)]
    [InlineData(3, 64)]
    [InlineData(3, 128)]
    public void Geometry_answer_follows_from_the_labels_read_from_the_pixels(int difficulty, int size)
    {
        var kinds = new HashSet<string>();
        foreach (var (problem, draft) in Drafts(SyntheticFamily.Geometry, difficulty, size, 40))
        {
            int[] labels = draft
                .Scene.Texts.Select(t => PixelReading.ReadNumber(problem.Image, t.X, t.Y, t.Scale, Palette.Label))
                .ToArray();
            int expected = draft.Scene.Kind switch
            {
                "rectangle" => 2 * (labels[0] + labels[1]),
                "triangle" => labels.Sum(),
                "angle" => 180 - labels[0] - labels[1],
                string other => throw new InvalidOperationException(other),
            };
            Assert.Equal(draft.Scene.Kind == "triangle" ? 3 : 2, labels.Length);
            Assert.Equal(expected, int.Parse(problem.Answer));
            Assert.True(expected > 0);
            Assert.True(
                PixelReading.CountRegions(problem.Image, Palette.Ink) == 1,
                "the outline is one closed black figure"
            );
            kinds.Add(draft.Scene.Kind);
        }
        Assert.Equal(difficulty, kinds.Count); // level 1: rectangle; 2: + triangle; 3: + angle
    }

    [Fact]
    public void Options_are_validated_and_the_data_source_spec_reaches_the_task()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SyntheticTask(new SyntheticTaskOptions { Difficulty = 4 })
        );
        Assert.Throws<ArgumentException>(() => new SyntheticTask(new SyntheticTaskOptions { Families = [] }));
        var spec = new DataSourceSpec
        {
            Format = "synthetic",
            MaxRows = 5,
            Skip = 2,
            Synthetic = new SyntheticTaskOptions { Seed = 3 },
        };
        var loaded = DataSources.Load(spec);
        Assert.Equal(
            new SyntheticTask(new SyntheticTaskOptions { Seed = 3 }).Generate(7).Skip(2).Select(p => p.Id),
            loaded.Select(p => p.Id)
        );
    }

    [Fact]
    public void Generation_is_cheap_and_examples_export_as_png()
    {
        var watch = Stopwatch.StartNew();
        var problems = new SyntheticTask(new SyntheticTaskOptions { Seed = 1, Difficulty = 3 }).Generate(1000);
        watch.Stop();
        output.WriteLine($"1000 problems (difficulty 3, 64 px) in {watch.ElapsedMilliseconds} ms");
        // SAEI_SYNTHETIC_EXAMPLES=folder keeps a few examples of every level for a look.
        string? keep = Environment.GetEnvironmentVariable("SAEI_SYNTHETIC_EXAMPLES");
        string folder = keep ?? Path.Combine(Path.GetTempPath(), $"saei-synthetic-{Guid.NewGuid():N}");
        for (int level = 1; level <= 3; level++)
            foreach (
                var problem in new SyntheticTask(new SyntheticTaskOptions { Seed = 1, Difficulty = level }).Generate(8)
            )
                PngExport.Save(
                    problem.Image,
                    Path.Combine(folder, $"L{level}-{problem.Id}-{problem.Answer}.png"),
                    scale: 4
                );
        Assert.Equal(24, Directory.GetFiles(folder, "L*.png").Length);
        if (keep is null)
            Directory.Delete(folder, recursive: true);
    }
}
