using System.Text.Json;
using System.Text.Json.Serialization;

namespace SaEI.Dashboard;

/// <summary>The JSON of the dashboard API: snake_case keys and enum values, as the client's --json output.</summary>
public static class DashboardJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static byte[] Bytes(object value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);
}
