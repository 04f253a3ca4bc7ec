using System.IO.Compression;
using Microsoft.AspNetCore.Http;

namespace SaEI.Dashboard;

/// <summary>
/// A cached JSON answer, plain and gzip-compressed once per refresh (CompressionLevel.Fastest): the 1,000-run page
/// is ~170 KB of JSON and ~10× less compressed, so 32 pollers move a tenth of the bytes and nobody compresses per
/// request. Served compressed to clients that accept gzip (every browser), with Vary: Accept-Encoding.
/// </summary>
internal sealed record CachedJson(byte[] Plain, byte[] Gzip)
{
    public static CachedJson Of(object value)
    {
        byte[] plain = DashboardJson.Bytes(value);
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(plain);
        return new CachedJson(plain, compressed.ToArray());
    }

    public IResult ToResult(HttpRequest request)
    {
        request.HttpContext.Response.Headers.Vary = "Accept-Encoding";
        bool gzip = request.Headers.AcceptEncoding.Any(v =>
            v?.Contains("gzip", StringComparison.OrdinalIgnoreCase) == true
        );
        if (!gzip)
            return Results.Bytes(Plain, "application/json; charset=utf-8");
        request.HttpContext.Response.Headers.ContentEncoding = "gzip";
        return Results.Bytes(Gzip, "application/json; charset=utf-8");
    }
}
