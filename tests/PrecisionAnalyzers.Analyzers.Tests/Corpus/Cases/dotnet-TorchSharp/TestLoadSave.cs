// Reduced from https://github.com/dotnet/TorchSharp/blob/c20b6a1cc574d690707638a488d2583f3b8b983f/test/TorchSharpTest/TestLoadSave.cs (licence: MIT).
// TorchSharp's save/load tests: a module is saved with Module.save and a fresh module of the same shape loads it back, whole, with skipped parameters, or from a stream.
using System.IO;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Corpus.TorchSharpRepo.LoadSave;

public class TestLoadSave
{
    public void TestSaveLoadLinear1()
    {
        var location = Path.GetRandomFileName() + ".ts";
        try
        {
            var linear = Linear(100, 10, true);
            var params0 = linear.parameters();
            linear.save(location);
            var loadedLinear = Linear(100, 10, true);
            loadedLinear.load(location); //~ PREC001 reloads what this method saved with Module.save (FP32 both ways)
            loadedLinear = Linear(100, 10, true);
            loadedLinear.load(location, skip: new[] { "weight" }); //~ PREC001 reloads what this method saved
        }
        finally
        {
            if (File.Exists(location))
            {
                File.Delete(location);
            }
        }
    }

    public void TestSaveLoadConv2D()
    {
        var location = Path.GetRandomFileName() + ".ts";
        try
        {
            using var conv = Conv2d(100, 10, 5);
            var params0 = conv.parameters();
            conv.save(location);
            using var loaded = Conv2d(100, 10, 5);
            loaded.load(location); //~ PREC001 reloads what this method saved
        }
        finally
        {
            if (File.Exists(location))
            {
                File.Delete(location);
            }
        }
    }

    public void TestSaveLoadSequenceStream()
    {
        using var conv = Sequential(("conv", Conv2d(100, 10, 5)), ("relu", ReLU()));
        using var stream = new MemoryStream();
        conv.save(stream);
        stream.Position = 0;
        using var loaded = Sequential(("conv", Conv2d(100, 10, 5)), ("relu", ReLU()));
        loaded.load(stream); //~ PREC001 reloads the stream this method saved
    }
}
