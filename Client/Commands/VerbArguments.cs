using System.Globalization;
using SaEI.Grains.Storage;

namespace SaEI.Client.Commands;

/// <summary>
/// The arguments of a verb: positionals, `--flag value` options and bare switches (only those declared). An
/// undeclared flag, a missing value or a missing positional is a <see cref="UsageException"/> (exit 2) naming it; a
/// bad value is a <see cref="UserFacingException"/> (exit 1).
/// </summary>
public sealed class VerbArguments
{
    private readonly Dictionary<string, string> options = new(StringComparer.Ordinal);
    private readonly HashSet<string> switches = new(StringComparer.Ordinal);

    public VerbArguments(IReadOnlyList<string> args, string usage, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> switchOptions)
    {
        Usage = usage;
        var positionals = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal)) { positionals.Add(arg); continue; }
            if (switchOptions.Contains(arg)) { switches.Add(arg); continue; }
            if (!valueOptions.Contains(arg))
                throw new UsageException($"unknown option '{arg}'. usage: {usage}");
            if (i + 1 >= args.Count) throw new UsageException($"option '{arg}' needs a value. usage: {usage}");
            options[arg] = args[++i];
        }
        Positionals = positionals;
    }

    /// <summary>Options every cluster verb accepts.</summary>
    public static IReadOnlyList<string> ConnectionOptions { get; } = ["--cluster-id", "--gateway-port", "--timeout", "--tls-cert", "--tls-ca"];

    public string Usage { get; }

    public IReadOnlyList<string> Positionals { get; }

    public bool Json => switches.Contains("--json");

    public bool Has(string name) => switches.Contains(name);

    public string? Option(string name) => options.GetValueOrDefault(name);

    public int? IntOption(string name) => Option(name) is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value
        : throw new UserFacingException($"option '{name}' is '{text}'; give a positive whole number.");

    public string Positional(int index, string what) =>
        index < Positionals.Count ? Positionals[index] : throw new UsageException($"missing {what}. usage: {Usage}");

    /// <summary>
    /// The positional at <paramref name="index"/> as an id of <paramref name="kind"/> (experiment, run), checked by the
    /// id rule before anything connects: a path like `../../x` gets the rule, not a cluster round trip.
    /// </summary>
    public string Id(int index, string kind)
    {
        string id = Positional(index, $"the {kind} id");
        return Ids.Check(id, kind) is { } problem ? throw new UserFacingException(problem) : id;
    }
}
