using SaEI.Grains.Storage;
using YamlDotNet.RepresentationModel;

namespace SaEI.Grains.Sweeps;

/// <summary>`nodes:`, the machines a sweep targets (issue 13), for the memory plan of `saei sweep validate --runs`.
/// </summary>
public static partial class SweepSpecParser
{
    private static readonly string[] NodeKeys = ["name", "device", "devices", "memory_gib"];

    /// <summary>The most devices one node may declare (a node of 16 accelerators is already large).</summary>
    public const int MaxNodeDevices = 64;

    /// <summary>The most memory one device may declare, GiB (far above any accelerator today).</summary>
    public const double MaxDeviceMemoryGiB = 4096;

    private static List<NodeSpec> ReadNodes(SpecReader reader, Dictionary<string, YamlNode> top)
    {
        var nodes = new List<NodeSpec>();
        if (!top.TryGetValue("nodes", out var node) || SpecReader.IsNull(node))
            return nodes;
        if (node is not YamlSequenceNode list)
        {
            reader.Error(
                "nodes",
                "expected a list of nodes, e.g. " + "[ { name: h100-80g, device: cuda, devices: 1, memory_gib: 80 } ].",
                node
            );
            return nodes;
        }
        for (int i = 0; i < list.Children.Count; i++)
        {
            string path = $"nodes[{i}]";
            var entries = reader.Entries(reader.Mapping(list.Children[i], path), path, NodeKeys);
            string? name = reader.Scalar(entries, "name", path, required: true);
            string? device = reader.Scalar(entries, "device", path, required: true);
            int devices =
                reader.Int(entries, "devices", path, 1, MaxNodeDevices, "accelerators per node; default 1") ?? 1;
            double? memory = reader.Double(
                entries,
                "memory_gib",
                path,
                0,
                MaxDeviceMemoryGiB,
                minExclusive: true,
                "memory of one device in GiB, e.g. 80 for an H100, 141 for an H200"
            );
            if (memory is null && !entries.ContainsKey("memory_gib"))
                reader.Error(
                    $"{path}.memory_gib",
                    "is required: one device's memory in GiB (e.g. 80).",
                    list.Children[i]
                );
            if (name is not null && Ids.Check(name, "node") is { } badName)
            {
                reader.Error($"{path}.name", badName);
                name = null;
            }
            if (device is not null and not ("cuda" or "cpu"))
            {
                reader.Error($"{path}.device", $"is '{device}'; set cuda (GPU node) or cpu.", entries["device"]);
                device = null;
            }
            if (name is not null && nodes.Any(n => n.Name == name))
                reader.Error(
                    $"{path}.name",
                    $"node '{name}' is listed twice; give each node its own name.",
                    entries["name"]
                );
            else if (name is not null && device is not null && memory is not null)
                nodes.Add(new NodeSpec(name, device, devices, memory.Value));
        }
        return nodes;
    }
}
