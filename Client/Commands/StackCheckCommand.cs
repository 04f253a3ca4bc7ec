using System.CommandLine;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SaEI.Client.Configuration;
using SaEI.Gpu.Runtime;
using SaEI.Grains.Diagnostics;
using SaEI.Grains.Storage;
using SaEI.Silo;
using TorchSharp;

namespace SaEI.Client.Commands;

/// <summary>`saei check`: TorchSharp computes a gradient, a blob round-trips, a grain's state survives
/// deactivation.</summary>
public static class StackCheckCommand
{
    public static Command Create()
    {
        var command = new Command(
            "check",
            "Prove the stack end to end: TorchSharp computes, a blob round-trips, a grain's state persists."
        );
        command.SetAction(
            (parse, cancellation) =>
                RunAsync(
                    ClientConfiguration
                        .Load(new Dictionary<string, string?>(), parse.InvocationConfiguration.Error)
                        .Storage.Resolved,
                    parse.InvocationConfiguration.Output,
                    parse.InvocationConfiguration.Error,
                    cancellation
                )
        );
        return command;
    }

    /// <summary>The three checks against <paramref name="connectionString"/> (the client's Saei:Storage).</summary>
    public static async Task<int> RunAsync(
        string connectionString,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellation
    )
    {
        // 1. TorchSharp: d/dx sum(x^2) = 2x.
        TorchRuntime.Initialize(Math.Max(1, Environment.ProcessorCount));
        using (var scope = torch.NewDisposeScope())
        {
            var x = torch.tensor(new float[] { 1f, 2f, 3f }, requires_grad: true);
            x.pow(2).sum().backward();
            float[] gradient = x.grad!.data<float>().ToArray();
            output.WriteLine(
                $"[1/3] {TorchRuntime.Describe()}: d/dx sum(x^2) at (1,2,3) = ({string.Join(", ", gradient)})"
            );
            if (gradient is not [2f, 4f, 6f])
                throw new UserFacingException("TorchSharp returned a wrong gradient.");
        }

        // 2. A blob round-trip.
        if (await StorageCheck.CheckAsync(connectionString, TimeSpan.FromSeconds(15), cancellation) is { } problem)
            throw new UserFacingException(problem);
        var container = new BlobServiceClient(connectionString).GetBlobContainerClient(StorageNames.DataContainer);
        try
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellation);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or HttpRequestException)
        {
            throw new UserFacingException(
                $"storage at {container.Uri.GetLeftPart(UriPartial.Authority)} does not answer ({e.Message}); start "
                    + $"it with `infra/azurite.sh start` or set {ClientConfiguration.StorageKey} (Saei__Storage).",
                e
            );
        }
        string payload = $"stack check {Guid.NewGuid():N}";
        var blob = container.GetBlobClient("diagnostics/stack-check.txt");
        await blob.UploadAsync(BinaryData.FromString(payload), overwrite: true, cancellation);
        string readBack = (await blob.DownloadContentAsync(cancellation)).Value.Content.ToString();
        output.WriteLine($"[2/3] blob {blob.Uri} round-tripped: {readBack == payload}");
        if (readBack != payload)
            throw new UserFacingException("the blob read back differs from what was written.");

        // 3. A local silo with grain state in storage.
        using IHost host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => ClientLogging.Configure(logging, error))
            .UseOrleans(silo => silo.UseLocalhostClustering().AddSaeiStorage(connectionString))
            .Build();
        await host.StartAsync(cancellation);
        var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IStackCheckGrain>("demo");
        int written = await grain.IncrementAsync();
        await grain.DeactivateAsync();
        int stored = await grain.GetAsync();
        output.WriteLine($"[3/3] grain state written {written}, read after deactivation {stored}");
        await host.StopAsync(CancellationToken.None);
        if (stored != written)
            throw new UserFacingException("the grain's state did not survive deactivation.");
        return 0;
    }
}
