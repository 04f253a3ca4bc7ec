namespace SaEI.Silo;

/// <summary>
/// The silo host: `dotnet SaEI.Silo.dll [--role control|gpu|all] [--cluster-id ID --port N --gateway-port N]` (see
/// <see cref="SaeiSilo"/>). A named, internal class rather than top-level statements: with the ASP.NET Core framework
/// (the Orleans dashboard) the generated top-level Program would be public and clash with other projects' Program.
/// </summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => SaeiSilo.RunAsync(args);
}
