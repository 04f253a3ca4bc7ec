using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Tests.Images;

namespace SaEI.Gpu.Tests.Data;

public sealed class DataLoaderTests : IDisposable
{
    private readonly DataFiles files = new();

    public void Dispose() => files.Dispose();

    private static ImageCell Cell(int seed) =>
        new() { Bytes = TestImages.NoisePng(12, 10, seed), Path = $"{seed}.png" };

    private static async Task<IReadOnlyList<VisualProblem>> LoadAsync(
        string format,
        string path,
        int? maxRows = null
    ) =>
        await DataSources.LoadAsync(
            new DataSourceSpec
            {
                Format = format,
                Path = path,
                MaxRows = maxRows,
            }
        );

    [Fact]
    public async Task Geometry3k_parquet_reads_images_problem_and_answer()
    {
        string path = await files.ParquetAsync(
            "train.parquet",
            Enumerable
                .Range(0, 3)
                .Select(i => new Geometry3kRow
                {
                    Images = [Cell(i)],
                    Problem = $"<image>Find x. Case {i}.",
                    Answer = $"{i + 3}",
                })
        );
        var problems = await LoadAsync("geometry3k", path);
        Assert.Equal(3, problems.Count);
        Assert.Equal("Find x. Case 1.", problems[1].Problem);
        Assert.Equal("4", problems[1].Answer);
        Assert.Equal("geometry3k-1", problems[1].Id);
        Assert.Equal(TestImages.Noise(12, 10, 1), problems[1].Image);
        Assert.Null(problems[1].Choices);
        Assert.Equal(2, (await LoadAsync("Geometry3K", files.Folder, maxRows: 2)).Count); // folder path, limit, case
    }

    [Fact]
    public async Task Missing_column_names_file_row_and_field()
    {
        string path = await files.ParquetAsync(
            "bad.parquet",
            [new Geometry3kRowWithoutAnswer { Images = [Cell(1)], Problem = "p" }]
        );
        var error = await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("geometry3k", path));
        Assert.Equal(new DataLocation(path, 0, "answer"), error.Location);
        Assert.Contains("missing field", error.Message);
    }

    [Fact]
    public async Task Corrupt_image_names_the_row_and_the_image_field()
    {
        byte[] truncated = TestImages.NoisePng(40, 40, 2)[..200];
        string path = await files.ParquetAsync(
            "corrupt.parquet",
            new[]
            {
                new Geometry3kRow
                {
                    Images = [Cell(1)],
                    Problem = "ok",
                    Answer = "1",
                },
                new Geometry3kRow
                {
                    Images = [new ImageCell { Bytes = truncated }],
                    Problem = "bad",
                    Answer = "2",
                },
            }
        );
        var error = await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("geometry3k", path));
        Assert.Equal(new DataLocation(path, 1, "images[0].bytes"), error.Location);
    }

    [Fact]
    public async Task Truncated_parquet_file_is_a_data_format_error()
    {
        string path = await files.ParquetAsync(
            "whole.parquet",
            Enumerable
                .Range(0, 4)
                .Select(i => new Geometry3kRow
                {
                    Images = [Cell(i)],
                    Problem = "p",
                    Answer = "1",
                })
        );
        byte[] bytes = await File.ReadAllBytesAsync(path);
        foreach (double keep in new[] { 0.3, 0.7, 0.99 })
        {
            string cut = files.Bytes($"cut-{keep}.parquet", bytes[..(int)(bytes.Length * keep)]);
            var error = await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("geometry3k", cut));
            Assert.Contains(cut, error.Message);
        }
    }

    [Fact]
    public async Task Mmk12_parquet_keeps_id_subject_and_answer()
    {
        string path = await files.ParquetAsync(
            "mmk12.parquet",
            [
                new Mmk12Row
                {
                    Id = "k-1",
                    Question = "What is y?",
                    Answer = " 7 ",
                    Subject = "math",
                    Image = Cell(5),
                },
            ]
        );
        VisualProblem problem = Assert.Single(await LoadAsync("mmk12", path));
        Assert.Equal(("k-1", "What is y?", "7", "math"), (problem.Id, problem.Problem, problem.Answer, problem.Family));
        Assert.Equal(TestImages.Noise(12, 10, 5), problem.Image);
    }

    [Fact]
    public async Task Mm_eureka_jsonl_reads_both_conversation_layouts_with_relative_image_paths()
    {
        files.Bytes("images/a.png", TestImages.NoisePng(8, 8, 1));
        files.Bytes("images/b.png", TestImages.NoisePng(9, 9, 2));
        string message = (
            """[{"role":"system","content":"sys"},"""
            + """{"role":"user","content":[{"type":"image","image":"file://IMAGES/a.png"},"""
            + """{"type":"text","text":"<image>How much?"}]}]"""
        ).Replace("IMAGES", files.PathOf("images"), StringComparison.Ordinal);
        string path = files.Text(
            "train.jsonl",
            System.Text.Json.JsonSerializer.Serialize(
                new
                {
                    id = "e1",
                    message,
                    answer = "12",
                }
            )
                + "\n\n"
                + """{"conversations":[{"from":"human","value":"<image>\nArea?"},"""
                + """{"from":"gpt","value":"30"}],"image":"images/b.png"}"""
                + "\n"
        );
        var problems = await LoadAsync("mm-eureka", path);
        Assert.Equal(("e1", "How much?", "12"), (problems[0].Id, problems[0].Problem, problems[0].Answer));
        Assert.Equal(TestImages.Noise(8, 8, 1), problems[0].Image);
        Assert.Equal(("Area?", "30"), (problems[1].Problem, problems[1].Answer));
        Assert.Equal(TestImages.Noise(9, 9, 2), problems[1].Image);

        string truncated = files.Text("cut.jsonl", File.ReadAllText(path)[..^30]);
        var error = await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("mm-eureka", truncated));
        Assert.Equal(1, error.Location.Row);
        string missingImage = files.Text(
            "missing.jsonl",
            """{"conversations":[{"from":"human","value":"q"}],"image":"images/none.png","answer":"1"}"""
        );
        Assert.Contains(
            "none.png",
            (await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("mm-eureka", missingImage))).Message
        );
    }

    [Fact]
    public async Task MathVista_maps_option_text_answers_to_letters_in_json_and_parquet()
    {
        files.Bytes("images/1.jpg", TestImages.NoisePng(10, 10, 1)); // content decides the format, not the name
        string json = files.Text(
            "testmini.json",
            """
            {"1": {"question": "Which is larger?", "image": "images/1.jpg", "choices": ["3", "5 cm"], "answer": "5 cm",
                   "question_type": "multi_choice", "answer_type": "text", "pid": "1"},
             "2": {"question": "How many?", "image": "images/1.jpg", "choices": null, "answer": "4",
                   "question_type": "free_form", "answer_type": "integer", "pid": "2"}}
            """
        );
        var problems = await LoadAsync("mathvista", json);
        Assert.Equal("B", problems[0].Answer);
        Assert.Equal(["3", "5 cm"], problems[0].Choices!);
        Assert.Equal("Which is larger?\nChoices:\n(A) 3\n(B) 5 cm", problems[0].Problem);
        Assert.Equal(("2", "4", null), (problems[1].Id, problems[1].Answer, problems[1].Choices));

        string parquet = await files.ParquetAsync(
            "testmini.parquet",
            new[]
            {
                new MathVistaRow
                {
                    Pid = "7",
                    Question = "Pick",
                    Choices = ["x", "y", "z"],
                    Answer = "z",
                    QuestionType = "multi_choice",
                    AnswerType = "text",
                    ImagePath = "images/7.jpg",
                    DecodedImage = Cell(3),
                },
                new MathVistaRow
                {
                    Pid = "8",
                    Question = "Pick",
                    Choices = ["x", "y"],
                    Answer = "w",
                    QuestionType = "multi_choice",
                    AnswerType = "text",
                    DecodedImage = Cell(3),
                },
            }
        );
        var error = await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("mathvista", parquet));
        Assert.Equal(new DataLocation(parquet, 1, "answer"), error.Location); // 'w' is no option: an error, not a guess
        VisualProblem first = Assert.Single(await LoadAsync("mathvista", parquet, maxRows: 1));
        Assert.Equal(("C", TestImages.Noise(12, 10, 3)), (first.Answer, first.Image));
    }

    [Fact]
    public async Task MathVerse_parses_choices_from_the_question()
    {
        string parquet = await files.ParquetAsync(
            "testmini.parquet",
            new[]
            {
                new MathVerseRow
                {
                    SampleIndex = "1",
                    Question = "Find the angle.\nChoices:\nA:145°\nB:165°\nC:85°",
                    Image = Cell(1),
                    Answer = "B",
                    QuestionType = "multi-choice",
                    ProblemVersion = "Text Lite",
                },
                new MathVerseRow
                {
                    SampleIndex = "2",
                    Question = "Find x.",
                    Image = null,
                    Answer = "3",
                    QuestionType = "free-form",
                    ProblemVersion = "Text Only",
                },
            }
        );
        var problems = await LoadAsync("mathverse", parquet);
        Assert.Equal(["145°", "165°", "85°"], problems[0].Choices!);
        Assert.Equal(("B", "Text Lite"), (problems[0].Answer, problems[0].Family));
        Assert.Equal(("3", null), (problems[1].Answer, problems[1].Choices));
        Assert.Equal(Placeholder.White, problems[1].Image);
    }

    [Fact]
    public async Task MathVision_jsonl_with_options_and_free_form()
    {
        files.Bytes("images/1.png", TestImages.NoisePng(6, 6, 1));
        string path = files.Text(
            "test.jsonl",
            """{"id": "1", "question": "<image1>\nWhich?", "options": ["a", "b", "c", "d", "e"],"""
                + """ "image": "images/1.png", "answer": "D", "subject": "metric geometry"}"""
                + "\n"
                + """{"id": "2", "question": "How many?", "options": [], "image": "images/1.png", "answer": "9","""
                + """ "subject": "counting"}"""
                + "\n"
        );
        var problems = await LoadAsync("mathvision", path);
        Assert.Equal(("D", 5, "metric geometry"), (problems[0].Answer, problems[0].Choices!.Count, problems[0].Family));
        Assert.StartsWith("Which?\nChoices:\n(A) a", problems[0].Problem);
        Assert.Equal(("9", null), (problems[1].Answer, problems[1].Choices));
    }

    [Fact]
    public async Task HallusionBench_maps_gt_answer_to_yes_no_and_handles_text_only_questions()
    {
        files.Bytes("hallusion_bench/VD/math/0_0.png", TestImages.NoisePng(7, 5, 1));
        string path = files.Text(
            "HallusionBench.json",
            """
            [{"category": "VD", "subcategory": "math", "visual_input": "1",
              "set_id": "0", "figure_id": "0", "question_id": "0",
              "question": "Is the angle 30 degrees?", "gt_answer": "1",
              "filename": "./hallusion_bench/VD/math/0_0.png"},
             {"category": "VS", "subcategory": "chart", "visual_input": "0",
              "set_id": "1", "figure_id": "0", "question_id": "1",
              "question": "Is Paris in Spain?", "gt_answer": "0", "filename": null},
             {"category": "VS", "subcategory": "chart", "visual_input": "1",
              "set_id": "1", "figure_id": "1", "question_id": "2",
              "question": "Odd?", "gt_answer": "yes", "filename": "x.png"}]
            """
        );
        var error = await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("hallusionbench", path));
        Assert.Equal(new DataLocation(path, 2, "gt_answer"), error.Location);
        var problems = await LoadAsync("hallusionbench", path, maxRows: 2);
        Assert.Equal(("yes", "VD_math_0_0_0", "VD"), (problems[0].Answer, problems[0].Id, problems[0].Family));
        Assert.Equal(TestImages.Noise(7, 5, 1), problems[0].Image);
        Assert.Equal(("no", Placeholder.White), (problems[1].Answer, problems[1].Image));
    }

    [Fact]
    public async Task Unknown_format_missing_path_and_truncated_json_are_clear_errors()
    {
        Assert.Contains(
            "mathvista",
            Assert.Throws<ArgumentException>(() => DataSources.ParseFormat("mathvistaa")).Message
        );
        Assert.Equal(DataFormat.MmEureka, DataSources.ParseFormat("MM_Eureka"));
        await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("mathvista", files.PathOf("nothing-here")));
        string cut = files.Text("cut.json", """[{"pid": "1", "question": "q", "answer": "1", "ima""");
        Assert.Contains(
            cut,
            (await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("mathvista", cut))).Message
        );
    }

    [Fact]
    public void Choice_mapping_accepts_letters_and_option_texts()
    {
        string[] choices = ["145°", "165°", "yes"];
        Assert.Equal("B", ChoiceMapping.TryToLetter("(b)", choices));
        Assert.Equal("C", ChoiceMapping.TryToLetter("C.", choices));
        Assert.Equal("C", ChoiceMapping.TryToLetter(" YES ", choices));
        Assert.Equal("A", ChoiceMapping.TryToLetter("145°", choices));
        Assert.Null(ChoiceMapping.TryToLetter("D", choices)); // out of range and not an option
        Assert.Equal("165°", ChoiceMapping.TextOf("B", choices));
    }
}
