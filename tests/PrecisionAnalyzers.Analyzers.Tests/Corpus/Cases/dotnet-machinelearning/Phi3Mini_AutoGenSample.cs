// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/docs/samples/Microsoft.ML.GenAI.Samples/Phi3Mini/AutoGenSample.cs (licence: MIT).
// The sample sets the process default dtype to FP16 and loads Phi-3-mini through GenAI's FromPretrained without torchDtype (its BF16 default decides), then chats with it.
using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.Phi;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Phi3AutoGen;

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
        torch.set_default_dtype(defaultType); //! PREC004 //~ PREC002 FromPretrained builds the model with its own torchDtype, the FP16 default never reaches Phi-3's weights
        var weightFolder = @"C:\Users\someone\source\repos\Phi-3-mini-4k-instruct";
        var tokenizerPath = Path.Combine(weightFolder, "tokenizer.model");
        var tokenizer = Phi3TokenizerHelper.FromPretrained(tokenizerPath); //~ PREC001 a tokenizer, no weights
        var model = Phi3ForCausalLM.FromPretrained(weightFolder, "config.json", layersOnTargetDevice: -1, quantizeToInt8: true); //! PREC001
        var pipeline = new CausalLMPipeline<LlamaTokenizer, Phi3ForCausalLM>(tokenizer, model, device);
        Console.WriteLine(pipeline.Generate("write a C# program to calculate the factorial of a number"));
        return Task.CompletedTask;
    }
}
