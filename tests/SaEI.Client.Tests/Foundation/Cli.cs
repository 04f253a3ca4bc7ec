namespace SaEI.Client.Tests.Foundation;

/// <summary>
/// The real command line in process, with its output and errors captured by writers (no console swapping).
/// </summary>
public static class Cli
{
    public sealed record Result(int Code, string Output, string Error);

    public static async Task<Result> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await CommandLine.RunAsync(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>For verbs that do no waiting of their own (grade, tokenize, model): the same, synchronously.</summary>
    public static Result Run(params string[] args) => RunAsync(args).GetAwaiter().GetResult();
}
