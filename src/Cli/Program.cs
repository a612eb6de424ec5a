using PrecisionAnalyzers.Cli;

return await PrecisionApp.RunAsync(args, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
