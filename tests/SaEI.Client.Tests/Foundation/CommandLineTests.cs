namespace SaEI.Client.Tests.Foundation;

public sealed class CommandLineTests
{
    [Fact]
    public async Task An_unknown_verb_is_refused_with_usage_and_exit_code_2()
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(2, await CommandLine.RunAsync(["frobnicate"]));
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Contains("unknown verb 'frobnicate'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("usage: saei", error.ToString(), StringComparison.Ordinal);
    }
}
