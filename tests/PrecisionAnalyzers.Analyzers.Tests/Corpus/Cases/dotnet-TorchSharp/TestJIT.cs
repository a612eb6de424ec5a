// Reduced from https://github.com/dotnet/TorchSharp/blob/c20b6a1cc574d690707638a488d2583f3b8b983f/test/TorchSharpTest/TestJIT.cs (licence: MIT).
// TorchSharp's TorchScript tests: load scripted modules and a scripted function saved from Python, move them to CUDA when there is one, save and reload one.
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.TorchSharpRepo.Jit;

public class TestJIT
{
    public void TestLoadJIT_1()
    {
        var input = torch.ones(10);
        var expected = torch.tensor(new float[] { 0.313458264f, 0, 0.9996568f, 0, 0, 0 });
        var m = torch.jit.load<Tensor, Tensor>(@"linrelu.script.dat"); //~ PREC001 a TorchScript module keeps the dtype it was saved with
        if (torch.cuda.is_available())
        {
            m = m.to(torch.CUDA);
            input = input.to(torch.CUDA);
            expected = expected.to(torch.CUDA);
        }

        var t = m.call(input);
        _ = t.allclose(expected);
    }

    public void TestLoadJIT_Func()
    {
        using var m = torch.jit.load<Tensor, Tensor, Tensor>(@"func.script.dat"); //~ PREC001 a scripted function has no weights
        var sms = m.named_modules().ToArray();
        _ = m.call(torch.ones(10), torch.ones(10));
    }

    public void TestSaveJIT()
    {
        var location = "TestSaveJIT.ts";
        if (File.Exists(location))
        {
            File.Delete(location);
        }

        try
        {
            using var m1 = torch.jit.load<Tensor, Tensor>(@"linrelu.script.dat"); //~ PREC001 TorchScript keeps its saved dtype
            torch.jit.save(m1, location);
            using var m2 = torch.jit.load<Tensor, Tensor>(location); //~ PREC001 reloads what this method saved
            var t = m2.call(torch.ones(10));
            _ = t.dtype == torch.float32;
        }
        finally
        {
            if (File.Exists(location))
            {
                File.Delete(location);
            }
        }
    }

    public void TestLoadJIT_3()
    {
        using var m = torch.jit.load<Tensor, Tensor>(@"l1000_100_10.script.dat"); //~ PREC001 TorchScript keeps its saved dtype
        var sms = m.named_modules().ToArray();
        var kids = m.named_children().ToArray();
        _ = sms.Length + kids.Length;
    }
}
