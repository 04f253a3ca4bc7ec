using Microsoft.Playwright;

namespace SaEI.Dashboard.Tests.Browser;

/// <summary>
/// What a page complained about while a test watched it: console errors (a Content-Security-Policy violation, a
/// request that failed), answers of 400 or more to its requests, and uncaught script errors. A page can look right
/// and still log these.
/// </summary>
public sealed class PageErrors
{
    private readonly List<string> errors = [];

    /// <summary>Starts collecting from <paramref name="page"/> (before it navigates, to see its first load).</summary>
    public static PageErrors Watch(IPage page)
    {
        var watch = new PageErrors();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                watch.Add($"console: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => watch.Add($"script: {error}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
                watch.Add($"response: {response.Status} {response.Request.Method} {response.Url}");
        };
        return watch;
    }

    /// <summary>Asserts that the page logged no error but the <paramref name="expected"/> ones (substrings) and that
    /// its polling status line (id "status", docs/dashboard.md) is empty.</summary>
    public async Task AssertNoneAsync(IPage page, params string[] expected)
    {
        string[] allowed = expected;
        List<string> unexpected;
        lock (errors)
            unexpected = [.. errors.Where(e => !allowed.Any(x => e.Contains(x, StringComparison.Ordinal)))];
        Assert.True(unexpected.Count == 0, $"{page.Url} logged:\n{string.Join('\n', unexpected)}");
        string status = (await page.Locator("#status").TextContentAsync())?.Trim() ?? "";
        Assert.True(status.Length == 0, $"{page.Url} shows a polling error: {status}");
    }

    private void Add(string error)
    {
        lock (errors)
            errors.Add(error);
    }
}
