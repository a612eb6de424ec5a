// Reduced from https://github.com/yueyinqiu/YueYinqiu.Su.TorchSharpUtilities/blob/ed841a01a895ac2dd2c829c95c6200ee4e970848/src/Tests/Program.cs (licence: MIT).
// Tests the library's save helpers: saves a Sequential of Linear layers with a directory-creating wrapper around Module.save, rebuilds the same Sequential and loads the file back, twice.
using System;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.YueYinqiuUtilities.Tests;

public static class ModuleSaveExtensions
{
    public static nn.Module SaveWithDirectory(this nn.Module module, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return module.save(path);
    }
}

public static class Program
{
    public static void Main()
    {
        var modules = Enumerable.Range(0, 10).Select(_ => torch.nn.Linear(10, 10)).ToArray();
        var sequential = nn.Sequential(modules.Select((m, i) => ($"{i}", (nn.Module<Tensor, Tensor>)m)).ToArray());

        var tensor = torch.rand([1, 10]);
        Console.WriteLine(sequential.call(tensor).cstr());

        var outputDirectory = Path.Combine("output", "TEST 4");
        var modelFile = Path.Combine(outputDirectory, "model");
        _ = sequential.SaveWithDirectory(modelFile);

        var newSequential = nn.Sequential(modules.Select((m, i) => ($"{i}", (nn.Module<Tensor, Tensor>)m)).ToArray());
        _ = newSequential.load(modelFile); //~ PREC001 reloads the Sequential this method has just saved (FP32 both ways)

        modelFile = Path.Combine(outputDirectory, "model");
        sequential.SaveWithDirectory(modelFile);

        newSequential = nn.Sequential(modules.Select((m, i) => ($"{i}", (nn.Module<Tensor, Tensor>)m)).ToArray());
        _ = newSequential.load(modelFile); //~ PREC001 reloads what this method has just saved again
    }
}
