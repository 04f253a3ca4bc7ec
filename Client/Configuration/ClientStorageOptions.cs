using Microsoft.Extensions.Options;
using SaEI.Grains.Storage;
using SaEI.Silo;

namespace SaEI.Client.Configuration;

/// <summary>The storage the client reads (a sweep's files, the cluster's membership table): "Saei:Storage".</summary>
public sealed record ClientStorageOptions
{
    /// <summary>
    /// An Azure Storage connection string (Saei__Storage; SAEI_STORAGE for one more release). Null: the local
    /// Azurite (<see cref="LocalStorage.AzuriteConnectionString"/>). Never logged.
    /// </summary>
    public string? ConnectionString { get; init; }

    /// <summary>The connection string to use: the configured one, else the local Azurite.</summary>
    public string Resolved => ConnectionString ?? LocalStorage.AzuriteConnectionString();
}

/// <summary>"Saei:Storage": a connection string that parses (<see cref="StorageCheck.Validate"/>).</summary>
public sealed class ClientStorageOptionsValidator : IValidateOptions<ClientStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, ClientStorageOptions options) =>
        options.ConnectionString is { } text && StorageCheck.Validate(text) is { } malformed
            ? ValidateOptionsResult.Fail(malformed)
            : ValidateOptionsResult.Success;
}
