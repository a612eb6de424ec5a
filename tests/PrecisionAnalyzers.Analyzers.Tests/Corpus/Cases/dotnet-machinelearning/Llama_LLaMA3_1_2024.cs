// Reduced from https://github.com/dotnet/machinelearning/blob/70e5ab1e278295bec2af884f01873b4a1a1f64ec/docs/samples/Microsoft.ML.GenAI.Samples/Llama/LLaMA3_1.cs (licence: MIT).
// The first Llama sample: FP16 as the process default, then Meta-Llama-3.1-8B-Instruct through LlamaForCausalLM.FromPretrained without torchDtype (so its BF16 default decides the weights), then an agent.
using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.LLaMA;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Llama2024;

internal class LlamaSample
{
    public static Task Run()
    {
        var device = "cuda";
        if (device == "cuda")
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
        }

        var defaultType = ScalarType.Float16;
        torch.manual_seed(1);
        torch.set_default_dtype(defaultType); //! PREC004 //~ PREC002 FromPretrained's own torchDtype (BF16) decides the 8B model's weights
        var weightFolder = @"C:\Users\someone\source\repos\Meta-Llama-3.1-8B-Instruct";
        var configName = "config.json";
        var originalWeightFolder = Path.Combine(weightFolder, "original");
        var stopWatch = System.Diagnostics.Stopwatch.StartNew();
        stopWatch.Start();
        var tokenizer = LlamaTokenizerHelper.FromPretrained(originalWeightFolder); //~ PREC001 a tokenizer
        var model = LlamaForCausalLM.FromPretrained(weightFolder, configName, layersOnTargetDevice: -1); //! PREC001
        var pipeline = new CausalLMPipeline<TiktokenTokenizer, LlamaForCausalLM>(tokenizer, model, device);
        Console.WriteLine(pipeline.Generate("Write a C# program to print the sum of two numbers."));
        return Task.CompletedTask;
    }
}
