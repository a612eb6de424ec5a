// Reduced from https://github.com/dotnet/machinelearning/blob/c8ab578c994a637563f6f0fa3254a6518207fb87/docs/samples/Microsoft.ML.GenAI.Samples/Phi3Mini/AutoGenSample.cs (licence: MIT).
// The first GenAI sample: sets the process default dtype to FP16 through a local, then gets a Phi-3-mini pipeline from the Utils helper (which passes its own torchDtype) and chats with it.
using System;
using System.Threading.Tasks;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.Phi;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Phi3AutoGen2024;

internal static class Utils
{
    public static CausalLMPipeline<LlamaTokenizer, Phi3ForCausalLM> LoadPhi3Mini4KFromFolder(string weightFolder, string device = "cuda") => throw new NotSupportedException();
}

public class AutoGenSample
{
    public static Task RunAsync()
    {
        var device = "cuda";
        if (device == "cuda")
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
        }

        var defaultType = ScalarType.Float16;
        torch.manual_seed(1);
        torch.set_default_dtype(defaultType); //! PREC004
        var weightFolder = @"C:\Users\someone\source\repos\Phi-3-mini-4k-instruct";
        var pipeline = Utils.LoadPhi3Mini4KFromFolder(weightFolder, device); //~ PREC001 the helper passes its own torchDtype
        Console.WriteLine(pipeline.Generate("write a C# program to calculate the factorial of a number"));
        return Task.CompletedTask;
    }
}
