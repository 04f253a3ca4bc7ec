using Microsoft.Playwright;
using Xunit.Abstractions;

namespace SaEI.Dashboard.Tests.Browser;

/// <summary>
/// Screenshots of the pages a test saw, kept as artefacts in TestResults/screenshots beside the test assembly
/// (the path is written to the test output).
/// </summary>
public static class Screenshots
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    /// <summary>Saves the whole page (or the top <paramref name="height"/> pixels of it) as <paramref name="name"/>.png
    /// and says where.</summary>
    public static async Task<string> SaveAsync(IPage page, string name, ITestOutputHelper output, int? height = null)
    {
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, $"{name}.png");
        await page.ScreenshotAsync(
            new PageScreenshotOptions
            {
                Path = path,
                FullPage = height is null,
                Clip = height is { } top
                    ? new Clip
                    {
                        X = 0,
                        Y = 0,
                        Width = page.ViewportSize!.Width,
                        Height = top,
                    }
                    : null,
            }
        );
        output.WriteLine($"screenshot: {path}");
        return path;
    }
}
