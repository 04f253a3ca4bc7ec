using Microsoft.Playwright;
using SaEI.Testing;

namespace SaEI.Dashboard.Tests.Browser;

/// <summary>
/// Playwright's driver with the system Chromium, headless. One per fixture: launching costs a second or two, a page
/// context per test isolates cookies and session storage (the dashboard keeps its token there).
/// </summary>
public sealed class HeadlessBrowser : IAsyncDisposable
{
    private readonly IPlaywright playwright;

    private HeadlessBrowser(IPlaywright playwright, IBrowser browser)
    {
        this.playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>Starts Playwright's driver and launches <see cref="Chromium.Executable"/>.</summary>
    public static async Task<HeadlessBrowser> LaunchAsync()
    {
        string executable = Chromium.Executable ?? throw new InvalidOperationException(Chromium.SkipReason);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(
                new BrowserTypeLaunchOptions
                {
                    ExecutablePath = executable,
                    Headless = true,
                    Timeout = (float)TestTimeouts.Scaled(TimeSpan.FromSeconds(30)).TotalMilliseconds,
                }
            );
            return new HeadlessBrowser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A page in a fresh context (own session storage); <paramref name="baseUrl"/> resolves relative
    /// URLs.</summary>
    public async Task<IPage> NewPageAsync(string? baseUrl = null)
    {
        var context = await Browser.NewContextAsync(
            new BrowserNewContextOptions
            {
                BaseURL = baseUrl,
                ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
            }
        );
        float timeout = (float)TestTimeouts.Scaled(TimeSpan.FromSeconds(20)).TotalMilliseconds;
        context.SetDefaultTimeout(timeout);
        context.SetDefaultNavigationTimeout(timeout);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        playwright.Dispose();
    }
}
