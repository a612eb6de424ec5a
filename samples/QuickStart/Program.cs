// The smallest program that loads a model and generates.
//   dotnet run --project samples/QuickStart -- MODEL_FOLDER
// or against the packages, as your project would (after `dotnet pack -c Release` at the root):
//   dotnet run --project samples/QuickStart -p:UsePrecisionPackages=true -- MODEL_FOLDER
// A model folder holds config.json and model.safetensors (or shards); `precision demo --out DIR` writes a tiny one.
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Models;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: QuickStart MODEL_FOLDER");
    return 2;
}

// Say which dtype you want: Auto is explicit about letting the runtime choose from the checkpoint and this machine
// (analyzer PREC001 flags a load that leaves it unsaid).
using var model = CausalLM.Load(args[0], new LoadOptions { Dtype = DType.Auto });
Console.WriteLine($"{model.Config.ModelType} loaded in {model.Dtype} on {model.Device}");
foreach (var reason in model.Plan!.Reasons)
{
    Console.WriteLine("  because " + reason);
}

var result = model.Generate([1, 2, 3], new GenerationOptions { MaxNewTokens = 8 }, token => Console.Write($"{token.TokenId} "));
Console.WriteLine();
Console.WriteLine($"answered in {result.Dtype}, {result.DecodeTokensPerSecond:F0} tokens/s");
return 0;
