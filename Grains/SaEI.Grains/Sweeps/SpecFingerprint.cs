using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SaEI.Grains.Sweeps;

/// <summary>
/// A canonical SHA-256 (64 lower-case hex) of a parsed spec: the same content gives the same fingerprint whatever the
/// YAML's key order, comments or number spelling (1.0e-4 = 0.0001), so the Experiment grain can tell "same spec
/// relaunched" (idempotent) from "different spec under the same id" (an error). List order of seeds is irrelevant
/// (sorted); grid values keep their order (it is the run order).
/// </summary>
public static class SpecFingerprint
{
    public static string Compute(SweepSpec spec) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(spec))));

    /// <summary>The canonical text that is hashed (one `path=value` per line).</summary>
    public static string Canonical(SweepSpec spec)
    {
        var text = new StringBuilder();
        void Line(string path, object? value) =>
            text.Append(path).Append('=').Append(OptionBinder.Format(value)).Append('\n');
        Line("experiment", spec.Experiment);
        Line("model.family", spec.Model.Family);
        Line("model.base", spec.Model.Base);
        Line("model.path", spec.Model.Path);
        Dataset("data.train", spec.Data.Train);
        Dataset("data.test", spec.Data.Test);
        for (int i = 0; i < spec.Data.Ood.Count; i++)
            Dataset($"data.ood[{i}]", spec.Data.Ood[i]);
        Line("seeds", string.Join(",", spec.Seeds.Order().Select(s => s.ToString(CultureInfo.InvariantCulture))));
        Line("steps", spec.Steps);
        foreach (var (key, value) in spec.Rollout.OrderBy(r => r.Key, StringComparer.Ordinal))
            Line($"rollout.{key}", OptionBinder.Normalize(key, value));
        foreach (var method in spec.Methods.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            Line($"methods.{method.Name}.method", method.Kind);
            foreach (var (key, value) in method.Options.OrderBy(o => o.Key, StringComparer.Ordinal))
                Line($"methods.{method.Name}.{key}", OptionBinder.Normalize(key, value));
        }
        foreach (var axis in spec.Grid.OrderBy(a => a.Key, StringComparer.Ordinal))
            Line($"grid.{axis.Key}", string.Join(",", axis.Values.Select(v => OptionBinder.Normalize(axis.Key, v))));
        Line("eval.every", spec.Eval.Every);
        Line("eval.temperature", spec.Eval.Temperature);
        Line("eval.top_p", spec.Eval.TopP);
        Line("eval.samples", spec.Eval.Samples);
        Line("eval.benchmarks", string.Join(",", spec.Eval.Benchmarks.Order(StringComparer.Ordinal)));
        Line("checkpoint.every", spec.Checkpoint.Every);
        Line("checkpoint.keep_last", spec.Checkpoint.KeepLast);
        Line("max_failures", spec.MaxFailures);
        return text.ToString();

        void Dataset(string path, DatasetSpec d)
        {
            Line(path + ".name", d.Name);
            Line(path + ".format", DatasetFormats.Name(d.Format)); // the spec name, as before formats were typed
            Line(path + ".path", d.Path);
            Line(path + ".task", d.Task);
            Line(path + ".split", d.Split); // snake_case: the text as written (train, test)
            Line(path + ".size", d.Size);
            Line(path + ".seed", d.Seed);
            Line(path + ".difficulty", d.Difficulty);
        }
    }
}
