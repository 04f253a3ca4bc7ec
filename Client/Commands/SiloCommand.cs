using SaEI.Silo;

namespace SaEI.Client.Commands;

/// <summary>`saei silo [--role control|gpu|all] [--cluster-id ID --port N --gateway-port N] [--slots N]`: runs a silo host.</summary>
public static class SiloCommand
{
    public static Task<int> RunAsync(string[] args) => SaeiSilo.RunAsync(args[1..]);
}
