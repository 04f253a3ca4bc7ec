using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SaEI.Grains.Storage;

namespace SaEI.Dashboard;

/// <summary>
/// What every response carries and every request is checked for (docs/dashboard.md, "Limits and headers"):
/// 1. Security headers on every response: a Content-Security-Policy without inline script (pages load
///    /static/dashboard.js), no framing, no MIME sniffing, no referrer.
/// 2. A query string or path over <see cref="MaxQueryLength"/> characters is answered 414 before routing, a body
///    over <see cref="MaxBodyBytes"/> 413.
/// 3. An exception becomes 500 (503 when storage is down) with a one-line JSON error: the stack trace goes to the log
///    only.
/// 4. Actions need the token (<see cref="Authorized"/>), compared in constant time; the page sends it in a header,
///    never a cookie, so another site cannot make a browser act (no CSRF).
/// </summary>
internal sealed partial class DashboardSecurity(RequestDelegate next, ILogger<DashboardSecurity> logger)
{
    public const int MaxQueryLength = 2048;

    /// <summary>The largest request body accepted (no route reads one; Kestrel's own limit is the same).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /// <summary>The header a client may use instead of Authorization: Bearer.</summary>
    public const string TokenHeader = "X-Saei-Token";

    public async Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        var request = context.Request;
        if (request.QueryString.Value?.Length > MaxQueryLength || request.Path.Value?.Length > MaxQueryLength)
        {
            await ErrorAsync(
                context,
                StatusCodes.Status414UriTooLong,
                $"the URL is longer than {MaxQueryLength} characters"
            );
            return;
        }
        if (request.ContentLength > MaxBodyBytes)
        {
            await ErrorAsync(
                context,
                StatusCodes.Status413PayloadTooLarge,
                $"a request body has {MaxBodyBytes} bytes at most (actions take none)"
            );
            return;
        }
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            bool storage = e is BlobStoreUnavailableException;
            LogFailure(request.Method, request.Path.Value ?? "", e);
            await ErrorAsync(
                context,
                storage ? StatusCodes.Status503ServiceUnavailable : 500,
                storage
                    ? "blob storage is unavailable; try again later"
                    : "the dashboard could not answer (the reason is in its log)"
            );
        }
    }

    /// <summary>True when the request carries <paramref name="token"/> as a bearer token or in
    /// <see cref="TokenHeader"/>.</summary>
    public static bool Authorized(HttpRequest request, string token)
    {
        string? given =
            request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal)
                ? auth["Bearer ".Length..].Trim()
                : null;
        given ??= request.Headers[TokenHeader].ToString();
        return given.Length > 0
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));
    }

    public static Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.Body.WriteAsync(DashboardJson.Bytes(new { error = message })).AsTask();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dashboard request {Method} {Path} failed")]
    private partial void LogFailure(string method, string path, Exception exception);
}
