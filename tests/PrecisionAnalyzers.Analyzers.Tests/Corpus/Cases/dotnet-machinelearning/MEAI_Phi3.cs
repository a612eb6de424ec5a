// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/docs/samples/Microsoft.ML.GenAI.Samples/MEAI/Phi3.cs (licence: MIT).
// Loads Phi-3 from a folder given by the caller after setting the default dtype to FP16, and streams a chat answer through Microsoft.Extensions.AI.
using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.Phi;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.MeaiPhi3;

internal class Phi3
{
    public static Task RunAsync(string weightFolder)
    {
        var device = "cuda";
        if (device == "cuda")
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
        }

        var defaultType = ScalarType.Float16;
        torch.manual_seed(1);
        torch.set_default_dtype(defaultType); //! PREC004 //~ PREC002 FromPretrained's own torchDtype decides the weights
        var tokenizerPath = Path.Combine(weightFolder, "tokenizer.model");
        var tokenizer = Phi3TokenizerHelper.FromPretrained(tokenizerPath); //~ PREC001 a tokenizer
        var model = Phi3ForCausalLM.FromPretrained(weightFolder, "config.json", layersOnTargetDevice: -1, quantizeToInt8: true); //! PREC001
        var pipeline = new CausalLMPipeline<LlamaTokenizer, Phi3ForCausalLM>(tokenizer, model, device);
        Console.Write(pipeline.Generate("Write a C# program to print the sum of two numbers."));
        return Task.CompletedTask;
    }
}
