using SaEI.Client;

return await CommandLine.RunAsync(args);
