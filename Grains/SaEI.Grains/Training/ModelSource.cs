using SaEI.Gpu.Models;
using SaEI.Gpu.Models.Qwen25Vl;
using SaEI.Gpu.Models.Tiny;
using SaEI.Gpu.Tasks.Data;
using SaEI.Gpu.Training;
using SaEI.Grains.Sweeps;
using static TorchSharp.torch;

namespace SaEI.Grains.Training;

/// <summary>
/// Where a run's base model comes from and how it is opened, for the executor and the evaluator alike (issue 12):
/// <c>model.base</c> is a model in blob storage, copied into the local cache (<see cref="ModelStore"/>);
/// <c>model.path</c> is a local checkpoint folder (a Hugging Face Qwen2.5-VL, or a saved TinyVlm) on the silo.
/// Decisions:
/// 1. A local folder must lie within the silo's data roots (Saei:Data:Roots), like data: the launch checks the spec's
///    path (<see cref="SweepSpecParser.CheckPaths"/>), and this checks again on the node that reads it, because
///    roots differ per silo and links may change after launch. Every file in the folder must resolve within the roots
///    too (a shard linked to /etc is refused) and be a regular file (a FIFO would block the loader).
/// 2. Every problem with the folder is a configuration error (never retried), naming the file: the folder is missing,
///    outside the roots, lacks config.json, holds a corrupt shard, or its tokenizer does not match config.json
///    (the loaders' <see cref="InvalidDataException"/>s name the file and tensor); so is a folder whose config.json
///    is another family than model.family says.
/// 3. The compute dtype is the run's <c>dtype</c> option (<see cref="RlOptions.Dtype"/>; f32 by default, bf16 for the
///    7B on a GPU), for the policy and the reference alike. tiny-vlm computes in float32 only: bf16 with it is a
///    configuration error naming the option, raised before anything is read.
/// 4. With both <c>model.path</c> and <c>model.base</c>, a node where the folder exists reads it (checked as in 1);
///    a node without it fetches the blob copy, so a sweep runs on nodes with and without a local copy.
/// </summary>
public static class ModelSource
{
    /// <summary>The spec's family as <see cref="PolicyModelInfo.Family"/> names it.</summary>
    public static string FamilyName(ModelFamily family) =>
        family switch
        {
            ModelFamily.TinyVlm => TinyVlm.FamilyName,
            ModelFamily.Qwen25Vl => Qwen25VlPolicy.FamilyName,
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown model family"),
        };

    /// <summary>
    /// The local folder holding the spec's model: <c>model.path</c> checked against <paramref name="data"/>'s roots
    /// (decision 1), or <c>model.base</c> fetched through <paramref name="models"/>.
    /// </summary>
    public static async Task<string> LocateAsync(
        ModelSpec model,
        ModelStore models,
        DataOptions data,
        CancellationToken cancellation
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(data);
        if (model.Path is null || (model.Base is not null && !Directory.Exists(model.Path))) // decision 4
        {
            if (model.Base is null)
                throw new InvalidDataException(
                    $"model: family {FamilyName(model.Family)} names neither model.base nor model.path; set one."
                );
            return await models.EnsureLocalAsync(model.Base, cancellation);
        }
        return Confine(model.Path, data.EffectiveRoots());
    }

    /// <summary>The canonical folder <paramref name="path"/> after the checks of decision 1.</summary>
    public static string Confine(string path, DataRoots roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        if (roots.Check(path) is { } outside)
            throw new InvalidDataException($"model.path: {outside}");
        string folder = DataRoots.Canonical(path);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException(
                $"model.path '{path}' is not a folder on this node; copy the checkpoint folder there (config.json, "
                    + $"*.safetensors, tokenizer.json)."
            );
        foreach (string file in Directory.EnumerateFileSystemEntries(folder).Order(StringComparer.Ordinal))
        {
            if (roots.Check(file) is { } linkedOut)
                throw new InvalidDataException($"model file {linkedOut}");
            var kind = RegularFile.KindOf(file);
            if (kind is not (RegularFile.Kind.Regular or RegularFile.Kind.Directory))
                throw new InvalidDataException(
                    $"model file '{file}' is a {kind}, not a regular file; the model folder may hold only regular "
                        + $"files."
                );
        }
        return folder;
    }

    /// <summary>
    /// Opens the folder as the spec's family on <paramref name="device"/> in <paramref name="dtype"/> (decision 3). A
    /// folder of another family is refused, naming its config.json.
    /// </summary>
    public static IPolicyModel Load(
        ModelSpec model,
        string folder,
        Device device,
        ComputeDtype dtype = ComputeDtype.F32
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Family == ModelFamily.TinyVlm && dtype != ComputeDtype.F32)
            throw new InvalidDataException(
                $"dtype is {OptionKeys.ToKey(dtype.ToString())} but model.family {TinyVlm.FamilyName} computes in "
                    + $"float32 only; set dtype: f32, or use a {Qwen25VlPolicy.FamilyName} model."
            );
        var policy = PolicyModelFactory.Load(folder, device, dtype.ToScalarType());
        string expected = FamilyName(model.Family);
        if (policy.Info.Family == expected)
            return policy;
        policy.Dispose();
        throw new InvalidDataException(
            $"{Path.Combine(folder, "config.json")} describes a {policy.Info.Family} model but model.family is "
                + $"{expected}; fix model.family or point the spec at a {expected} folder."
        );
    }
}
