using SaEI.Gpu.Models;
using SaEI.Gpu.Runtime;
using SaEI.Grains.Workers;
using static TorchSharp.torch;

namespace SaEI.Grains.Training;

/// <summary>
/// Puts a loaded policy's stages on a node's devices by <see cref="ShardPlan"/> (contiguous shards balanced by
/// parameter bytes). One device, or a plan whose shards all land on the device the model was loaded on, moves nothing.
/// </summary>
public static class ModelPlacement
{
    /// <summary>The devices a run uses: the worker's (Saei:Worker:Devices), or the executor's one device when
    /// none.</summary>
    public static IReadOnlyList<string> DevicesFor(IReadOnlyList<string> workerDevices, string executorDevice) =>
        workerDevices.Count > 0 ? workerDevices : [executorDevice];

    /// <summary>
    /// Checks every device name (an unusable one is an <see cref="ArgumentException"/> naming it), plans the shards
    /// over <paramref name="devices"/> and applies the plan to <paramref name="model"/>. Returns the plan.
    /// </summary>
    public static IReadOnlyList<ShardPlan.Shard> Apply(IPolicyModel model, IReadOnlyList<string> devices)
    {
        ArgumentNullException.ThrowIfNull(model);
        var resolved = devices
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(name => name, TorchRuntime.ResolveDevice, StringComparer.Ordinal);
        var stages = model.Stages;
        var plan = ShardPlan.Balance([.. stages.Select(s => s.ParameterBytes)], devices);
        var perStage = new Device[stages.Count];
        foreach (var shard in plan)
            for (int i = shard.Start; i < shard.End; i++)
                perStage[i] = resolved[shard.Device];
        if (perStage.Any(d => d.ToString() != model.Device.ToString()))
            model.PlaceStages(perStage);
        return plan;
    }

    /// <summary>"cuda:0 input..model.layers.13 (1.2 GB); cuda:1 model.layers.14..output (1.1 GB)".</summary>
    public static string Describe(IReadOnlyList<ShardPlan.Shard> plan, IReadOnlyList<ModelStage> stages) =>
        string.Join(
            "; ",
            plan.Where(s => s.End > s.Start)
                .Select(s => $"{s.Device} {stages[s.Start].Name}..{stages[s.End - 1].Name} ({s.Bytes / 1e6:0.#} MB)")
        );
}
