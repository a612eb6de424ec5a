// Reduced from https://github.com/dotnet/TorchSharp/blob/c20b6a1cc574d690707638a488d2583f3b8b983f/test/TorchSharpTest/TestTorchTensorBugs.cs (licence: MIT).
// Bug repros: a scripted model loaded and moved to a device in one chain, and one loaded then switched to eval for inference.
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.TorchSharpRepo.Bugs;

public class TestTorchTensorBugs
{
    public void Validate1089()
    {
        jit.ScriptModule<Tensor, Tensor> mx = torch.jit.load<Tensor, Tensor>("l1000_100_10.script.dat"); //~ PREC001 TorchScript keeps its saved dtype
        mx.eval();
        _ = mx.call(torch.rand(1000));
    }

    public void ValidateScriptedGeneration(Device device)
    {
        var model = torch.jit.load<torch.Tensor, torch.Tensor>("shakespeare.pt.zip").to(device); //~ PREC001 TorchScript keeps its saved dtype; .to(device) moves it only
        model.eval();
        _ = model.call(torch.zeros(1, 1, dtype: ScalarType.Int64, device: device));
    }
}
