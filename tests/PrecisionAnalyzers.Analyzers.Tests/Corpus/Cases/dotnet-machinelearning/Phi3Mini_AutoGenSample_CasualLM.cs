// Reduced from https://github.com/dotnet/machinelearning/blob/f8611259d53ef0566c760e62bdf7fee4d32821b1/docs/samples/Microsoft.ML.GenAI.Samples/Phi3Mini/AutoGenSample.cs (licence: MIT).
// The Phi-3 AutoGen sample before GenAI renamed its misspelled Phi3ForCasualLM (reduced here from src/Microsoft.ML.GenAI.Phi/Phi3/Phi3ForCasualLM.cs at that commit): FP16 as the process default, then FromPretrained without torchDtype.
using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.Phi;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Phi3CasualLM;

public class Phi3ForCasualLM : nn.Module<CausalLMModelInput, CausalLMModelOutput>
{
    public Phi3ForCasualLM(Phi3Config config)
        : base(nameof(Phi3ForCasualLM))
    {
    }

    public override CausalLMModelOutput forward(CausalLMModelInput input) => throw new NotSupportedException();

    public static Phi3ForCasualLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", ScalarType torchDtype = ScalarType.BFloat16, string device = "cpu") => new(new Phi3Config { DType = torchDtype });

    public static Phi3ForCasualLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", bool quantizeToInt8 = false, bool quantizeToInt4 = false, int layersOnTargetDevice = -1, ScalarType torchDtype = ScalarType.BFloat16, string targetDevice = "cuda") => new(new Phi3Config { DType = torchDtype });
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
        torch.set_default_dtype(defaultType); //! PREC004 //~ PREC002 FromPretrained's own torchDtype decides Phi-3's weights
        var weightFolder = @"C:\Users\someone\source\repos\Phi-3-mini-4k-instruct";
        var tokenizerPath = Path.Combine(weightFolder, "tokenizer.model");
        var tokenizer = Phi3TokenizerHelper.FromPretrained(tokenizerPath); //~ PREC001 a tokenizer
        var model = Phi3ForCasualLM.FromPretrained(weightFolder, "config.json", layersOnTargetDevice: -1, quantizeToInt8: true); //! PREC001
        var pipeline = new CausalLMPipeline<LlamaTokenizer, Phi3ForCasualLM>(tokenizer, model, device);
        Console.WriteLine(pipeline.Generate("write a C# program to calculate the factorial of a number"));
        return Task.CompletedTask;
    }
}
