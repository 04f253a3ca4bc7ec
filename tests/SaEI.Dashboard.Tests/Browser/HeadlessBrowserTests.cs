using Xunit.Abstractions;

namespace SaEI.Dashboard.Tests.Browser;

/// <summary>
/// The browser provisioning alone (no dashboard): the system Chromium starts headless under Playwright, runs the
/// page's script and renders a screenshot. When this fails, the dashboard's browser tests cannot say anything.
/// </summary>
public sealed class HeadlessBrowserTests(ITestOutputHelper output)
{
    [BrowserFact]
    public async Task The_system_chromium_runs_a_page_script_and_renders_a_screenshot()
    {
        await using var browser = await HeadlessBrowser.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.SetContentAsync(
            """
            <html><body><p data-testid="out">waiting</p>
            <script>document.querySelector('[data-testid=out]').textContent = String(6 * 7);</script></body></html>
            """
        );

        Assert.Equal("42", await page.GetByTestId("out").TextContentAsync());
        output.WriteLine($"chromium {browser.Browser.Version} at {Chromium.Executable}");
        string path = await Screenshots.SaveAsync(page, "headless-browser-check", output);
        byte[] png = await File.ReadAllBytesAsync(path);
        Assert.True(png.Length > 100 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', $"{path} is not a PNG");
    }
}
