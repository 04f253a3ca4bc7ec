namespace SaEI.Silo;

/// <summary>
/// The silo host: `dotnet SaEI.Silo.dll [--role control|gpu|all] [--cluster-id ID --port N --gateway-port N]` (see
/// <see cref="SaeiSilo"/>). An explicit internal class, not top-level statements: with the dashboard's ASP.NET Core
/// reference, .NET 10 would make a top-level Program public and clash with the Program of every project that
/// references the silo (the client, the benchmarks).
/// </summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => SaeiSilo.RunAsync(args);
}
