using SaEI.Silo;

// The silo host: `dotnet SaEI.Silo.dll [--role control|gpu|all] [--cluster-id ID --port N --gateway-port N]` (see SaeiSilo).
return await SaeiSilo.RunAsync(args);
