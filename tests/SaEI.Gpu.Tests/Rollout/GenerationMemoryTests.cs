using System.Diagnostics;
using SaEI.Gpu.Rollout;
using SaEI.Gpu.Tests.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SaEI.Gpu.Tests.Rollout;

[CollectionDefinition(nameof(GenerationMemoryTests), DisableParallelization = true)]
public sealed class GenerationMemoryCollection;

/// <summary>Resident memory must not grow with the number of generate calls (issue #3).</summary>
[Collection(nameof(GenerationMemoryTests))]
public sealed class GenerationMemoryTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Slow")]
    public void Resident_memory_after_1000_generate_calls_is_within_10_percent_of_that_after_100()
    {
        // One layer, 3 new tokens: the check is about allocation, not compute (keeps the test a few seconds).
        using var model = TinyModels.Create(config: TinyModels.TestConfig with { Layers = 1 });
        using var prompts = TinyModels.Prompts(model, 2);
        var options = new GenerationOptions { ResponsesPerPrompt = 2, MaxNewTokens = 3 };
        using var generator = new Generator(1, CPU);
        long afterHundred = 0;
        for (int call = 1; call <= 1000; call++)
        {
            using (Generation.Generate(model, prompts, options, generator)) { }
            if (call == 100)
                afterHundred = ResidentBytes();
        }
        long afterThousand = ResidentBytes();
        output.WriteLine(
            $"RSS after 100 generate calls: {afterHundred / 1048576.0:F1} MiB; after 1000: "
                + $"{afterThousand / 1048576.0:F1} MiB ({(double)afterThousand / afterHundred:P1})"
        );
        Assert.True(afterThousand <= afterHundred * 1.10, $"RSS grew from {afterHundred} to {afterThousand} bytes");
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
