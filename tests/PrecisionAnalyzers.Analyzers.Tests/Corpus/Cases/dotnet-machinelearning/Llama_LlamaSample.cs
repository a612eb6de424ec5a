// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/docs/samples/Microsoft.ML.GenAI.Samples/Llama/LlamaSample.cs (licence: MIT).
// Sets the default dtype to BF16 through a local, loads Llama from a Hugging Face folder without torchDtype, and runs an agent on it.
using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.LLaMA;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.LlamaSample;

internal class LlamaSample
{
    public static Task RunLlama(string weightFolder, string checkPointName = "model.safetensors.index.json")
    {
        var device = "cuda";
        if (device == "cuda")
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
        }

        var defaultType = ScalarType.BFloat16;
        torch.manual_seed(1);
        torch.set_default_dtype(defaultType); //! PREC004
        var configName = "config.json";
        var originalWeightFolder = Path.Combine(weightFolder, "original");
        Console.WriteLine("Loading Llama from huggingface model weight folder");
        var tokenizer = LlamaTokenizerHelper.FromPretrained(originalWeightFolder); //~ PREC001 a tokenizer
        var model = LlamaForCausalLM.FromPretrained(weightFolder, configName, checkPointName: checkPointName, layersOnTargetDevice: 26, quantizeToInt8: true); //! PREC001
        var pipeline = new CausalLMPipeline<TiktokenTokenizer, LlamaForCausalLM>(tokenizer, model, device);
        Console.WriteLine(pipeline.Generate("Write a C# program to print the sum of two numbers."));
        return Task.CompletedTask;
    }
}
