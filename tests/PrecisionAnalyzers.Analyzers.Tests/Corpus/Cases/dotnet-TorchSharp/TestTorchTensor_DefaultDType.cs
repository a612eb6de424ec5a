// Reduced from https://github.com/dotnet/TorchSharp/blob/c20b6a1cc574d690707638a488d2583f3b8b983f/test/TorchSharpTest/TestTorchTensor.cs (licence: MIT).
// DefaultDTypeCreation: saves the default dtype, sets FP64, checks that factories follow it, and restores the saved default in a finally block.
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.TorchSharpRepo.DefaultDType;

public class TestTorchTensor
{
    public void DefaultDTypeCreation()
    {
        var dt = torch.get_default_dtype();
        var t = torch.zeros(5, 5);
        _ = t.dtype == torch.float32;
        try
        {
            torch.set_default_dtype(torch.float64); //~ PREC004 FP64
            t = torch.zeros(5, 5);
            _ = t.dtype == torch.float64;
            t = torch.randn(5, 5);
            _ = t.dtype == torch.float64;
        }
        finally
        {
            torch.set_default_dtype(dt); //~ PREC004 restores the default it saved
        }
    }
}
