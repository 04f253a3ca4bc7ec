using System.Diagnostics;
using System.Text;
using SaEI.Gpu.Tasks.Data;

namespace SaEI.Gpu.Tests.Data;

/// <summary>
/// The data half of issue #11's bad-input corpus: devices, FIFOs, folders, huge lines and files, paths outside the
/// data roots. Each case is a <see cref="DataFormatException"/> naming the file, the row, the field and the limit,
/// returned at once (a read of /dev/zero that did not stop would hang the test), and never quoting file contents.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly DataFiles files = new();

    public void Dispose() => files.Dispose();

    private static Task<IReadOnlyList<VisualProblem>> LoadAsync(
        string format,
        string path,
        DataLimits? limits = null,
        DataRoots? roots = null
    ) =>
        DataSources.LoadAsync(
            new DataSourceSpec
            {
                Format = format,
                Path = path,
                Limits = limits ?? DataLimits.Default,
                Roots = roots,
            }
        );

    /// <summary>A mathvista .json whose one row's image is the path <paramref name="image"/>.</summary>
    private string MathVistaWithImage(string image) =>
        files.Text(
            "testmini.json",
            $$"""
            [{"pid": "1", "question": "How many?", "answer": "2", "question_type": "free_form",
              "answer_type": "integer", "image": "{{image}}"}]
            """
        );

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { RedirectStandardError = true })!;
        Assert.True(
            mkfifo.WaitForExit(10_000) && mkfifo.ExitCode == 0,
            $"mkfifo {path}: {mkfifo.StandardError.ReadToEnd()}"
        );
    }

    [Theory]
    [InlineData("/dev/zero", "character device")]
    [InlineData("/dev/urandom", "character device")]
    public async Task A_device_as_image_path_is_refused_without_reading_it(string device, string kind)
    {
        string path = MathVistaWithImage(device);
        var error = await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("mathvista", path));
        Assert.Equal(
            new DataLocation(path, 0, "image"),
            error.Location with
            {
                Field = error.Location.Field?.Split('.')[0],
            }
        );
        Assert.Contains($"'{device}' is a {kind}, not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_and_a_folder_as_image_paths_are_named_for_what_they_are()
    {
        MakeFifo(files.PathOf("pipe.png"));
        Directory.CreateDirectory(files.PathOf("folder.png"));
        var fifo = await Assert.ThrowsAsync<DataFormatException>(() =>
            LoadAsync("mathvista", MathVistaWithImage("pipe.png"))
        );
        Assert.Contains("is a FIFO (named pipe), not a regular file", fifo.Message, StringComparison.Ordinal);
        var folder = await Assert.ThrowsAsync<DataFormatException>(() =>
            LoadAsync("mathvista", MathVistaWithImage("folder.png"))
        );
        Assert.Contains("is a directory; give the path of a file", folder.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", folder.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_or_fifo_as_the_data_file_is_refused()
    {
        MakeFifo(files.PathOf("rows.jsonl"));
        var fifo = await Assert.ThrowsAsync<DataFormatException>(() =>
            LoadAsync("mm-eureka", files.PathOf("rows.jsonl"))
        );
        Assert.Contains("FIFO (named pipe)", fifo.Message, StringComparison.Ordinal);
        var zero = await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("mm-eureka", "/dev/zero"));
        Assert.Equal("/dev/zero", zero.Location.File);
        Assert.Contains("character device", zero.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_over_the_limit_names_file_row_and_limit_and_is_never_held_whole()
    {
        string huge = $$"""{"id": "b", "message": "{{new string('x', 200_000)}}", "answer": "1"}""";
        string path = files.Text("big.jsonl", huge + "\n");
        var limits = new DataLimits { MaxLineBytes = 4096 };
        var error = await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("mm-eureka", path, limits));
        Assert.Equal(new DataLocation(path, 0), error.Location);
        Assert.Contains(
            "line 1 holds more than the limit of 4096 bytes (MaxLineBytes; on a silo Saei:Data:MaxLineBytes)",
            error.Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public async Task Files_over_the_file_and_json_limits_are_refused_before_reading()
    {
        string jsonl = files.Text("rows.jsonl", new string(' ', 5000) + "\n");
        var file = await Assert.ThrowsAsync<DataFormatException>(() =>
            LoadAsync("mm-eureka", jsonl, new DataLimits { MaxFileBytes = 1000 })
        );
        Assert.Contains(
            "has 5001 bytes, more than the limit of 1000 (MaxFileBytes",
            file.Message,
            StringComparison.Ordinal
        );
        string json = MathVistaWithImage("x.png");
        var document = await Assert.ThrowsAsync<DataFormatException>(() =>
            LoadAsync("mathvista", json, new DataLimits { MaxJsonBytes = 50 })
        );
        Assert.Contains("more than the limit of 50 (MaxJsonBytes", document.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Image_paths_that_leave_the_roots_are_refused_and_nothing_of_the_target_is_shown()
    {
        var roots = new DataRoots([files.Folder]);
        string secret = Path.Combine(Directory.CreateTempSubdirectory("saei-secret-").FullName, "shadow");
        File.WriteAllText(secret, "root:$6$secret-hash:19000:0:99999:7:::\n");
        try
        {
            string relative = string.Concat(Enumerable.Repeat("../", 12)) + secret.TrimStart('/');
            File.CreateSymbolicLink(files.PathOf("link.png"), secret);
            foreach (string image in new[] { relative, secret, "link.png" })
            {
                string path = MathVistaWithImage(image);
                var error = await Assert.ThrowsAsync<DataFormatException>(() =>
                    LoadAsync("mathvista", path, roots: roots)
                );
                Assert.Equal(path, error.Location.File);
                Assert.Equal(0, error.Location.Row);
                Assert.Contains("outside the data roots", error.Message, StringComparison.Ordinal);
                Assert.Contains("Saei:Data:Roots", error.Message, StringComparison.Ordinal);
                AssertNoContent(error.Message);
            }
            // Without roots (a trusted local caller) the file is read, but the error still quotes none of it.
            var unconfined = await Assert.ThrowsAsync<DataFormatException>(() =>
                LoadAsync("mathvista", MathVistaWithImage(secret))
            );
            Assert.Contains("unknown image format", unconfined.Message, StringComparison.Ordinal);
            AssertNoContent(unconfined.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(secret)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_data_path_outside_the_roots_is_refused_even_through_a_link_inside_them()
    {
        string outside = Directory.CreateTempSubdirectory("saei-outside-").FullName;
        try
        {
            File.WriteAllText(
                Path.Combine(outside, "rows.jsonl"),
                """{"id": "a", "message": "[]", "answer": "1"}""" + "\n"
            );
            Directory.CreateSymbolicLink(files.PathOf("escape"), outside);
            var roots = new DataRoots([files.Folder]);
            var error = await Assert.ThrowsAsync<DataFormatException>(() =>
                LoadAsync("mm-eureka", files.PathOf("escape"), roots: roots)
            );
            Assert.Contains($"resolves to '{outside}'", error.Message, StringComparison.Ordinal);
            var dotdot = await Assert.ThrowsAsync<DataFormatException>(() =>
                LoadAsync(
                    "mm-eureka",
                    Path.Combine(files.Folder, "..", Path.GetFileName(outside), "rows.jsonl"),
                    roots: roots
                )
            );
            Assert.Contains("outside the data roots", dotdot.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void Roots_compare_whole_components_and_resolve_dot_dot_after_links()
    {
        var roots = new DataRoots([files.Folder]);
        Assert.True(roots.Contains(files.PathOf("a/b.parquet")));
        Assert.True(roots.Contains(files.Folder));
        Assert.False(roots.Contains(files.Folder + "2/x.parquet"));
        Assert.False(roots.Contains(files.PathOf("../x.parquet")));
        Directory.CreateDirectory(files.PathOf("deep/inner"));
        Directory.CreateSymbolicLink(files.PathOf("up"), files.PathOf("deep/inner"));
        // ".." of the link's target, as the kernel does
        Assert.Equal(files.PathOf("deep/x"), DataRoots.Canonical(files.PathOf("up/../x")));
        File.CreateSymbolicLink(files.PathOf("loop"), files.PathOf("loop"));
        Assert.Contains("cannot be resolved", roots.Check(files.PathOf("loop/x")), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new DataRoots(["relative/root"]));
    }

    [Fact]
    public async Task Malformed_json_is_located_without_quoting_the_line()
    {
        string path = files.Text("rows.jsonl", "secret-token-1234 {\n");
        var error = await Assert.ThrowsAsync<DataFormatException>(() => LoadAsync("mm-eureka", path));
        Assert.Equal(new DataLocation(path, 0), error.Location);
        Assert.Contains("line 1 is malformed or truncated JSON (at byte 0)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'s'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_line_reader_bounds_memory_and_keeps_line_numbers_after_a_long_line()
    {
        byte[] text = Encoding.UTF8.GetBytes("ab\r\n" + new string('y', 100_000) + "\n\nlast");
        var reader = new BoundedLineReader(new MemoryStream(text), 1000);
        var lines = new List<BoundedLine>();
        while (reader.ReadLine() is { } line)
            lines.Add(line);
        Assert.Equal([1L, 2, 3, 4], lines.Select(l => l.Number));
        Assert.Equal("ab", Encoding.UTF8.GetString(lines[0].Bytes.Span));
        Assert.True(lines[1].TooLong);
        Assert.True(lines[1].Bytes.IsEmpty);
        Assert.Equal(("", false), (Encoding.UTF8.GetString(lines[2].Bytes.Span), lines[2].TooLong));
        Assert.Equal("last", Encoding.UTF8.GetString(lines[3].Bytes.Span));
    }

    [Fact]
    public async Task A_jsonl_file_with_a_byte_order_mark_still_reads()
    {
        files.Bytes("a.png", Images.TestImages.NoisePng(8, 8, seed: 1));
        string row =
            """{"conversations":[{"from":"human","value":"<image>Area?"},"""
            + """{"from":"gpt","value":"30"}],"image":"a.png"}""";
        string path = files.Bytes("bom.jsonl", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(row + "\n")]);
        Assert.Equal("30", Assert.Single(await LoadAsync("mm-eureka", path)).Answer);
    }

    private static void AssertNoContent(string message)
    {
        Assert.DoesNotContain("root:", message, StringComparison.Ordinal);
        Assert.DoesNotContain("726F6F74", message, StringComparison.OrdinalIgnoreCase); // "root" in hex
        Assert.DoesNotContain("first bytes", message, StringComparison.Ordinal);
    }
}
