// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/docs/samples/Microsoft.ML.GenAI.Samples/Llama/SFT_Llama_3_2_1B.cs (licence: MIT).
// Today's fine-tuning sample: loads Llama 3.2 1B (BF16 default, no torchDtype), trains it with GenAI's CausalLMSupervisedFineTuningTrainer, chats with each epoch's pipeline, and saves the state as safetensors.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.Core.Trainer;
using Microsoft.ML.GenAI.LLaMA;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Sft;

internal class SFT_Llama_3_2_1B
{
    public static async Task Train(string weightFolder, ILogger<CausalLMSupervisedFineTuningTrainer> logger, string checkPointName = "model.safetensors.index.json")
    {
        var device = "cuda";
        var pipeline = LoadModel(weightFolder, checkPointName); //~ PREC001 the helper, whose own load is labelled below
        var input = new CausalLMDataset();
        var sftTrainer = new CausalLMSupervisedFineTuningTrainer(pipeline, logger: logger);
        var option = new CausalLMSupervisedFineTuningTrainer.Option
        {
            BatchSize = 1,
            Device = device,
            Epoch = 300,
            LearningRate = 5e-5f,
        };

        await foreach (var p in sftTrainer.TrainAsync(input, option, default)) //~ PREC003 the trainer forwards with useCache: false; nothing here turns a cache on
        {
            if (p is not ICausalLMPipeline<Tokenizer, LlamaForCausalLM> llamaPipeline)
            {
                throw new InvalidOperationException("Pipeline is not of type ICausalLMPipeline<Tokenizer, LlamaForCausalLM>");
            }

            Console.WriteLine(llamaPipeline.Generate("What products does <contoso/> sell?"));
        }

        var stateDict = pipeline.TypedModel.state_dict();
        Console.WriteLine(stateDict.Count);
    }

    public static ICausalLMPipeline<TiktokenTokenizer, LlamaForCausalLM> LoadModel(string weightFolder, string checkPointName = "model.safetensors.index.json")
    {
        var device = "cuda";
        var defaultType = ScalarType.BFloat16;
        torch.manual_seed(1);
        torch.set_default_dtype(defaultType); //! PREC004
        var configName = "config.json";
        var originalWeightFolder = Path.Combine(weightFolder, "original");
        var tokenizer = LlamaTokenizerHelper.FromPretrained(originalWeightFolder); //~ PREC001 a tokenizer
        var model = LlamaForCausalLM.FromPretrained(weightFolder, configName, checkPointName: checkPointName, layersOnTargetDevice: -1, quantizeToInt8: false); //! PREC001
        var pipeline = new CausalLMPipeline<TiktokenTokenizer, LlamaForCausalLM>(tokenizer, model, device);
        return pipeline;
    }
}
