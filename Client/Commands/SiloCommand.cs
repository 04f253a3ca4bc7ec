using SaEI.Silo;

namespace SaEI.Client.Commands;

/// <summary>
/// `saei silo [--role control|gpu|all] [--cluster-id ID --port N --gateway-port N] [--slots N] [--bind ADDRESS
/// --tls-cert FILE --tls-ca FILE]`: runs a silo host (exit codes: see <see cref="SaeiSilo.RunAsync"/>).
/// </summary>
public static class SiloCommand
{
    public static Task<int> RunAsync(string[] args) => SaeiSilo.RunAsync(args[1..]);
}
