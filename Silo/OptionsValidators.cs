using Microsoft.Extensions.Options;
using SaEI.Grains.Runs;
using SaEI.Grains.Training;
using SaEI.Grains.Workers;

namespace SaEI.Silo;

/// <summary>
/// The validation of the silo's options classes, in one style: every problem at once, each naming the configuration
/// key (its environment form is the key with ':' as "__", e.g. Saei__Worker__Slots) and the value to set. Registered
/// as <see cref="IValidateOptions{TOptions}"/> and run when the silo starts (ValidateOnStart), so a bad value stops
/// the silo instead of being ignored.
/// </summary>
public static class OptionsValidators
{
    /// <summary>One problem: the key, the value found, and the fix.</summary>
    public static string Problem(string key, object value, string fix) => $"{key} is {value}; {fix}.";

    internal static ValidateOptionsResult Result(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

    /// <summary>Throws <see cref="OptionsValidationException"/> with every problem when <paramref name="options"/>
    /// does not validate (options registered as an instance, validated when the silo is configured).</summary>
    public static T ThrowIfInvalid<T>(IValidateOptions<T> validator, T options)
        where T : class
    {
        var result = validator.Validate(Options.DefaultName, options);
        if (result.Failed)
            throw new OptionsValidationException(Options.DefaultName, typeof(T), result.Failures);
        return options;
    }
}

/// <summary>"Saei:Worker".</summary>
public sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        const string S = WorkerOptions.Section;
        var errors = new List<string>();
        if (options.Slots < 1)
            errors.Add(
                OptionsValidators.Problem($"{S}:Slots", options.Slots, "set 1 or more runs at a time (--slots)")
            );
        if (options.PollPeriod <= TimeSpan.Zero)
            errors.Add(
                OptionsValidators.Problem($"{S}:PollPeriod", options.PollPeriod, "set a positive time, e.g. 00:00:01")
            );
        if (options.WatchdogPeriod <= TimeSpan.Zero)
            errors.Add(
                OptionsValidators.Problem(
                    $"{S}:WatchdogPeriod",
                    options.WatchdogPeriod,
                    "set a positive time, e.g. 00:00:05"
                )
            );
        if (options.ShutdownGrace < TimeSpan.Zero)
            errors.Add(
                OptionsValidators.Problem($"{S}:ShutdownGrace", options.ShutdownGrace, "set 0 or a positive time")
            );
        if (options.Devices.Any(string.IsNullOrWhiteSpace))
            errors.Add(
                $"{S}:Devices holds an empty entry; name each device (cpu, cuda:0, ...) " + "or leave the list unset."
            );
        return OptionsValidators.Result(errors);
    }
}

/// <summary>"Saei:Runs".</summary>
public sealed class RunLifecycleOptionsValidator : IValidateOptions<RunLifecycleOptions>
{
    public ValidateOptionsResult Validate(string? name, RunLifecycleOptions options)
    {
        const string S = RunLifecycleOptions.Section;
        var errors = new List<string>();
        if (options.LeaseDuration <= TimeSpan.Zero)
            errors.Add(
                OptionsValidators.Problem(
                    $"{S}:LeaseDuration",
                    options.LeaseDuration,
                    "set a positive time, e.g. 00:01:00"
                )
            );
        if (options.CheckPeriod <= TimeSpan.Zero || options.CheckPeriod >= options.LeaseDuration)
            errors.Add(
                OptionsValidators.Problem(
                    $"{S}:CheckPeriod",
                    options.CheckPeriod,
                    $"set a positive time shorter than {S}:LeaseDuration ({options.LeaseDuration}), e.g. 00:00:10"
                )
            );
        if (options.ReminderPeriod < TimeSpan.FromSeconds(1))
            errors.Add(
                OptionsValidators.Problem($"{S}:ReminderPeriod", options.ReminderPeriod, "set 00:00:01 or more")
            );
        if (options.MaxNotes < 1)
            errors.Add(OptionsValidators.Problem($"{S}:MaxNotes", options.MaxNotes, "set 1 or more"));
        return OptionsValidators.Result(errors);
    }
}

/// <summary>"Saei:Torch".</summary>
public sealed class TorchExecutorOptionsValidator : IValidateOptions<TorchExecutorOptions>
{
    public ValidateOptionsResult Validate(string? name, TorchExecutorOptions options)
    {
        const string S = TorchExecutorOptions.Section;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Device))
            errors.Add(OptionsValidators.Problem($"{S}:Device", "empty", "set auto, cpu or cuda:N"));
        if (options.Threads < 0)
            errors.Add(
                OptionsValidators.Problem($"{S}:Threads", options.Threads, "set 0 (every core) or a positive count")
            );
        if (options.AvailableMemoryGiB < 0 || !double.IsFinite(options.AvailableMemoryGiB))
            errors.Add(
                OptionsValidators.Problem(
                    $"{S}:AvailableMemoryGiB",
                    options.AvailableMemoryGiB,
                    "set 0 (use the device's) or the GiB a run may use"
                )
            );
        if (options.ImagePairsPerCheckpoint < 0)
            errors.Add(
                OptionsValidators.Problem(
                    $"{S}:ImagePairsPerCheckpoint",
                    options.ImagePairsPerCheckpoint,
                    "set 0 or more"
                )
            );
        return OptionsValidators.Result(errors);
    }
}

/// <summary>"Saei:Dashboard" (the silo-hosted dashboard, see DashboardHosting).</summary>
public sealed class DashboardOptionsValidator : IValidateOptions<DashboardSiloOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardSiloOptions options)
    {
        const string S = DashboardSiloOptions.Section;
        var errors = new List<string>();
        if (options.Role == SiloRole.Gpu)
            errors.Add(
                OptionsValidators.Problem(
                    $"{S}:Port",
                    options.Port!,
                    "a gpu silo does not serve the dashboard; set it on a control or all-role silo, or unset it"
                )
            );
        var bind = ParseBind(options.Bind);
        if (bind is null)
            errors.Add(
                OptionsValidators.Problem(
                    $"{S}:Bind",
                    $"'{options.Bind}'",
                    "give an IP address of this host (e.g. 127.0.0.1)"
                )
            );
        var dashboard = new Dashboard.DashboardOptions
        {
            Port = options.Port ?? 0,
            Bind = bind ?? System.Net.IPAddress.Loopback,
            Token = Dashboard.DashboardOptions.GivenToken(options.Token),
        };
        errors.AddRange(dashboard.Problems(tokenGiven: dashboard.Token is not null, $"{S}:Port", $"{S}:Bind"));
        return OptionsValidators.Result(errors);
    }

    /// <summary>The address, 127.0.0.1 when empty or "localhost"; null when it is not an IP address.</summary>
    public static System.Net.IPAddress? ParseBind(string? text) =>
        string.IsNullOrWhiteSpace(text) || text.Trim() == "localhost" ? System.Net.IPAddress.Loopback
        : System.Net.IPAddress.TryParse(text.Trim(), out var address) ? address
        : null;
}
