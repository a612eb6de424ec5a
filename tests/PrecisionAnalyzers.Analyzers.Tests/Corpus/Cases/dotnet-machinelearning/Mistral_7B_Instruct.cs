// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/docs/samples/Microsoft.ML.GenAI.Samples/Mistral/Mistral_7B_Instruct.cs (licence: MIT).
// Mistral-7B-Instruct chat and tool-call samples (BF16 default, FromPretrained without torchDtype) and an embedding sample that sets FP32 as the default, builds MistralModel from bge-en-icl's config (whose DType stays BF16) and loads its checkpoint.
using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.Mistral;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Mistral;

public partial class Mistral_7B_Instruct
{
    public static Task RunAsync()
    {
        var device = "cuda";
        if (device == "cuda")
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
        }

        var defaultType = ScalarType.BFloat16;
        torch.manual_seed(1);
        torch.set_default_dtype(defaultType); //! PREC004
        var weightFolder = @"C:\Users\someone\source\repos\Mistral-7B-Instruct-v0.3";
        var configName = "config.json";
        var originalWeightFolder = Path.Combine(weightFolder);
        var tokenizer = MistralTokenizerHelper.FromPretrained(originalWeightFolder); //~ PREC001 a tokenizer
        var model = MistralForCausalLM.FromPretrained(weightFolder, configName, layersOnTargetDevice: -1); //! PREC001
        var pipeline = new CausalLMPipeline<LlamaTokenizer, MistralForCausalLM>(tokenizer, model, device);
        Console.WriteLine(pipeline.Generate("How are you."));
        return Task.CompletedTask;
    }

    public static void Embedding()
    {
        var device = "cuda";
        if (device == "cuda")
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
        }

        var defaultType = ScalarType.Float32;
        torch.manual_seed(1);
        torch.set_default_dtype(defaultType); //~ PREC004 FP32
        var weightFolder = @"C:\Users\someone\source\repos\bge-en-icl";
        var configName = "config.json";
        var originalWeightFolder = Path.Combine(weightFolder);
        var tokenizer = MistralTokenizerHelper.FromPretrained(originalWeightFolder, modelName: "tokenizer.model"); //~ PREC001 a tokenizer
        var mistralConfig = JsonSerializer.Deserialize<MistralConfig>(File.ReadAllText(Path.Combine(weightFolder, configName))) ?? throw new ArgumentNullException(nameof(configName));
        var model = new MistralModel(mistralConfig);
        model.load_checkpoint(weightFolder, "model.safetensors.index.json", strict: true, useTqdm: false); //! PREC001 the layers take config.DType (BF16 from MistralConfig's constructor, never set here), not the FP32 default
        model.to(device);
        var pipeline = new CausalLMPipeline<LlamaTokenizer, MistralModel>(tokenizer, model, device);
        var queryEmbedding = pipeline.GenerateEmbeddingFromLastTokenPool("what is a virtual interface");
        Console.WriteLine(queryEmbedding.Length);
    }

    public static Task WeatherChatAsync()
    {
        var device = "cuda";
        if (device == "cuda")
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
        }

        var defaultType = ScalarType.BFloat16;
        torch.manual_seed(1);
        torch.set_default_dtype(defaultType); //! PREC004
        var weightFolder = @"C:\Users\someone\source\repos\Mistral-7B-Instruct-v0.3";
        var configName = "config.json";
        var originalWeightFolder = Path.Combine(weightFolder);
        var tokenizer = MistralTokenizerHelper.FromPretrained(originalWeightFolder); //~ PREC001 a tokenizer
        var model = MistralForCausalLM.FromPretrained(weightFolder, configName, layersOnTargetDevice: -1); //! PREC001
        var pipeline = new CausalLMPipeline<LlamaTokenizer, MistralForCausalLM>(tokenizer, model, device);
        Console.WriteLine(pipeline.Generate("what is the weather in Seattle"));
        return Task.CompletedTask;
    }
}
