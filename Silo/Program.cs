using Microsoft.Extensions.Hosting;
using SaEI.Grains.Storage;
using SaEI.Silo;

// A single local silo on Azurite (or SAEI_STORAGE). The orchestrator issue extends roles and flags.
string connectionString = LocalStorage.ResolveConnectionString();
using IHost host = Host.CreateDefaultBuilder(args)
    .UseOrleans(silo => silo.UseLocalhostClustering().AddSaeiStorage(connectionString))
    .Build();
await host.RunAsync();
