using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using SaEI.Client.Tests.Commands;
using SaEI.Testing;

namespace SaEI.Client.Tests.Dashboard;

/// <summary>
/// The dashboard's safety over real HTTP: actions only with the token (403 without, 200 with), idempotent cancel and
/// re-queue, security headers on every response, hostile requests answered 4xx without a stack trace, and no
/// non-loopback bind without a token.
/// </summary>
public sealed class DashboardSecurityTests(DashboardSilo dashboard) : IClassFixture<DashboardSilo>
{
    [Fact]
    public async Task Cancel_without_the_token_is_403_and_with_it_cancels_the_sweep_once()
    {
        // Slow steps: the sweep is still running when it is cancelled.
        string experiment = await dashboard.LaunchAsync(
            steps: 50,
            seeds: 2,
            new Dictionary<string, string> { ["sim_step_ms"] = "500" }
        );
        string url = $"/api/experiments/{experiment}/cancel";

        var anonymous = await dashboard.Http.PostAsync(url, null);
        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        Assert.Contains("token", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(url, "wrong-token-0123456789")).StatusCode);
        var page = await dashboard.GetJsonAsync($"/api/experiments/{experiment}");
        Assert.Equal(0, page["counts"]!["cancelled"]!.GetValue<int>());

        var cancelled = await PostAsync(url, DashboardSilo.Token);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Contains("\"cancelled\":4", await cancelled.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await dashboard.WaitForAllAsync(experiment, "cancelled", TimeSpan.FromSeconds(20));
        var again = await PostAsync(url, DashboardSilo.Token);
        Assert.Contains("\"cancelled\":0", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var header = new HttpRequestMessage(HttpMethod.Post, url);
        header.Headers.Add("X-Saei-Token", DashboardSilo.Token);
        Assert.Equal(HttpStatusCode.OK, (await dashboard.Http.SendAsync(header)).StatusCode);
    }

    [Fact]
    public async Task Requeue_puts_a_failed_run_back_once_and_it_completes()
    {
        // A configuration failure is never retried: every run ends Failed; it fails only while restarts < 1.
        string experiment = await dashboard.LaunchAsync(
            steps: 3,
            seeds: 1,
            new Dictionary<string, string>
            {
                ["sim_step_ms"] = "2",
                ["sim_fail_at_step"] = "2",
                ["sim_fail_kind"] = "configuration",
            }
        );
        await dashboard.WaitForAllAsync(experiment, "failed", TimeSpan.FromSeconds(60));
        var runs = (await dashboard.GetJsonAsync($"/api/experiments/{experiment}"))["runs"]!.AsArray();
        string run = runs[0]!["run"]!.GetValue<string>();
        string url = $"/api/experiments/{experiment}/runs/{run}/requeue";

        Assert.Equal(HttpStatusCode.Forbidden, (await dashboard.Http.PostAsync(url, null)).StatusCode);
        var first = await PostAsync(url, DashboardSilo.Token);
        Assert.Contains("\"requeued\":true", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var second = await PostAsync(url, DashboardSilo.Token);
        Assert.Contains("\"requeued\":false", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await Eventually.HoldsAsync(
            async () =>
            {
                var page = await dashboard.GetJsonAsync($"/api/experiments/{experiment}/runs/{run}");
                return page["status"]!["state"]!.GetValue<string>() == "completed";
            },
            TimeSpan.FromSeconds(60),
            $"run {run} completed after the re-queue"
        );
        var status = (await dashboard.GetJsonAsync($"/api/experiments/{experiment}/runs/{run}"))["status"]!;
        Assert.Equal(1, status["restarts"]!.GetValue<int>());
        Assert.Contains(
            status["notes"]!.AsArray(),
            n => n!.GetValue<string>().StartsWith("re-queued by hand", StringComparison.Ordinal)
        );
        Assert.Single(status["failures"]!.AsArray());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/static/dashboard.js")]
    [InlineData("/api/experiments")]
    [InlineData("/api/experiments/NOT-VALID")]
    [InlineData("/no/such/page")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        var response = await dashboard.Http.GetAsync(path);
        Assert.Equal(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            string.Join(";", response.Headers.GetValues("Content-Security-Policy"))
        );
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task Pages_hold_no_inline_script_and_carry_the_test_hooks()
    {
        foreach (
            string path in new[]
            {
                "/",
                "/experiments/e1",
                "/experiments/e1/leaderboard",
                "/experiments/e1/runs/r1",
                "/experiments/e1/overlay",
            }
        )
        {
            var response = await dashboard.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            string html = await response.Content.ReadAsStringAsync();
            Assert.Contains("<script src=\"/static/dashboard.js\" defer></script>", html, StringComparison.Ordinal);
            Assert.Single(html.Split("<script").Skip(1));
            Assert.Contains("data-testid=\"token-input\"", html, StringComparison.Ordinal);
            Assert.DoesNotMatch(" on[a-z]+=", html); // no inline event handlers either
        }
    }

    [Theory]
    [InlineData("GET", "/api/experiments/UPPER-case", 400)]
    [InlineData("GET", "/api/experiments/a..b", 400)]
    [InlineData("GET", "/api/experiments/..%2F..%2Fetc%2Fpasswd", 400)]
    [InlineData("GET", "/api/experiments/e1/runs/..%2F..%2Fx/chart.svg", 400)]
    [InlineData("GET", "/experiments/%3Cscript%3E", 400)]
    [InlineData("GET", "/static/..%2F..%2Fetc%2Fpasswd", 404)]
    [InlineData("GET", "/static/index.html", 404)]
    [InlineData("GET", "/../../../../etc/passwd", 404)]
    [InlineData("GET", "/api/experiments/e1/runs/r1/images/1/..%2Fx.png", 400)]
    [InlineData("GET", "/api/experiments/e1/runs/r1/images/99999999/0-clean.png", 400)]
    [InlineData("GET", "/api/experiments/e1/leaderboard.exe", 404)]
    [InlineData("GET", "/api/experiments/e1/cancel", 405)]
    [InlineData("DELETE", "/api/experiments", 405)]
    [InlineData("PUT", "/api/experiments/e1/runs/r1/requeue", 405)]
    [InlineData("POST", "/api/experiments/never-launched-x/cancel", 403)]
    public async Task Hostile_requests_are_answered_4xx_without_a_stack_trace(string method, string path, int status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var response = await dashboard.Http.SendAsync(request);
        Assert.Equal(status, (int)response.StatusCode);
        await AssertNoTraceAsync(response);
    }

    [Fact]
    public async Task A_huge_query_string_is_414_and_a_huge_body_is_refused()
    {
        var query = await dashboard.Http.GetAsync("/api/experiments?x=" + new string('a', 3000));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, query.StatusCode);
        await AssertNoTraceAsync(query);
        using var body = new ByteArrayContent(new byte[1 << 20]);
        var huge = await PostAsync("/api/experiments/e1/cancel", DashboardSilo.Token, body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        var overlay = await dashboard.Http.GetAsync("/api/experiments/e1/chart.svg?metric=m&runs=ok,BAD");
        Assert.Equal(HttpStatusCode.BadRequest, overlay.StatusCode);
    }

    [Fact]
    public async Task A_non_loopback_bind_without_a_token_is_refused_by_the_verb_and_by_the_silo()
    {
        Assert.Null(Environment.GetEnvironmentVariable("SAEI_DASHBOARD_TOKEN"));
        var verb = await Foundation.Cli.RunAsync("dashboard", "--bind", "0.0.0.0", "--port", "1");
        Assert.Equal(1, verb.Code);
        Assert.Contains("SAEI_DASHBOARD_TOKEN", verb.Error, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", verb.Error, StringComparison.Ordinal);

        var refused = await Assert.ThrowsAnyAsync<OptionsValidationException>(() =>
            TestSilo.StartAsync([
                new("Saei:Storage", Azurite.ConnectionString),
                new("Logging:LogLevel:Default", "Warning"),
                new("Saei:Dashboard:Port", "0"),
                new("Saei:Dashboard:Bind", "0.0.0.0"),
            ])
        );
        Assert.Contains("Saei:Dashboard:Bind is 0.0.0.0", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_bind_or_a_short_token_is_refused_before_connecting()
    {
        var bind = await Foundation.Cli.RunAsync("dashboard", "--bind", "not-an-address");
        Assert.Equal(2, bind.Code);
        Assert.Contains("--bind is 'not-an-address'", bind.Error, StringComparison.Ordinal);
        var refused = await Assert.ThrowsAnyAsync<OptionsValidationException>(() =>
            TestSilo.StartAsync([
                new("Saei:Storage", Azurite.ConnectionString),
                new("Logging:LogLevel:Default", "Warning"),
                new("Saei:Dashboard:Port", "0"),
                new("Saei:Dashboard:Token", "short"),
                new("Saei:Role", "gpu"),
            ])
        );
        Assert.Contains("the dashboard token has 5 characters", refused.Message, StringComparison.Ordinal);
        Assert.Contains("a gpu silo does not serve the dashboard", refused.Message, StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> PostAsync(string url, string token, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return dashboard.Http.SendAsync(request);
    }

    private static async Task AssertNoTraceAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }
}
