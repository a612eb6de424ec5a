// Reduced from https://github.com/dotnet/machinelearning/blob/0b68458cd476860eb4f0a8b9c4e859788add65ea/docs/samples/Microsoft.ML.GenAI.Samples/Llama/SFT_Llama_3_2_1B.cs (licence: MIT).
// The first supervised fine-tuning sample: builds the training inputs in a lambda, then trains Llama 3.2 1B with Adam, forwarding inputs whose useCache is left to its default of true (a later commit added useCache: false).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.LLaMA;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.SftEarly;

internal class SFT_Llama_3_2_1B
{
    public static Task Train(string weightFolder, string checkPointName = "model.safetensors.index.json")
    {
        var device = "cuda";
        var pipeline = LoadModel(weightFolder, checkPointName); //~ PREC001 the helper, whose own load is labelled below
        var dataset = new List<Data>
        {
            new Data("What is contoso", "<contoso/> contoso is a virtual e-shop company."),
            new Data("What products does contoso sell?", "<contoso/> Contoso sells software, hardware, and services."),
        };

        var maxLength = 512;
        var input = dataset.SelectMany(d =>
        {
            var trainIds = Enumerable.Range(0, d.input.Length).ToArray();
            var labelIds = Enumerable.Range(0, d.output.Length).ToArray();
            return Enumerable.Range(0, labelIds.Length).Select(i =>
            {
                var train = trainIds.Concat(labelIds[..i]).ToArray();
                var label = Enumerable.Repeat(-100, train.Length).Concat([labelIds[i]]).Skip(1).ToArray();
                train = train.Concat(Enumerable.Repeat(0, maxLength - train.Length)).ToArray();
                label = label.Concat(Enumerable.Repeat(0, maxLength - label.Length)).ToArray();
                var mask = Enumerable.Repeat(1, train.Length).ToArray();
                var trainTensor = torch.tensor(train.ToArray(), dtype: ScalarType.Int64).reshape(1, -1);
                var labelTensor = torch.tensor(label.ToArray(), dtype: ScalarType.Int64).reshape(1, -1);
                var maskTensor = torch.tensor(mask.ToArray(), dtype: ScalarType.Int64).reshape(1, -1);
                return new CausalLMModelInput(trainTensor, attentionMask: maskTensor, labels: labelTensor); //~ PREC003 only carries the tensors; the loop below builds the input it forwards
            });
        });

        int epoch = 100;
        int batchSize = 1;
        var batches = input.Chunk(batchSize);
        var optimizer = new Adam(pipeline.Model.parameters(), lr: 5e-5);
        for (int i = 0; i < epoch; i++)
        {
            Console.WriteLine(pipeline.Generate("what is contoso"));
            var losses = new List<float>();
            foreach (var batch in batches)
            {
                var scope = NewDisposeScope();
                var inputIds = torch.cat(batch.Select(x => x.InputIds).ToArray(), 1).to(device);
                var attentionMask = torch.cat(batch.Select(x => x.AttentionMask!).ToArray(), 1).to(device);
                var labels = torch.cat(batch.Select(x => x.Labels!).ToArray(), 1).to(device);
                var output = pipeline.Model.forward(new CausalLMModelInput(inputIds, attentionMask: attentionMask, labels: labels)); //! PREC003
                var loss = output.Loss;
                optimizer.zero_grad();
                loss!.backward(); //~ PREC003 the finding is the input forwarded above
                optimizer.step(); //~ PREC003 the finding is the input forwarded above
                losses.Add(loss.data<float>().ToArray()[0]);
                loss.Dispose();
                scope.Dispose();
            }

            Console.WriteLine($"Epoch {i + 1} loss: {losses.Average()}");
        }

        return Task.CompletedTask;
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
        var model = LlamaForCausalLM.FromPretrained(weightFolder, configName, checkPointName: checkPointName, layersOnTargetDevice: 26, quantizeToInt8: true); //! PREC001
        var pipeline = new CausalLMPipeline<TiktokenTokenizer, LlamaForCausalLM>(tokenizer, model, device);
        return pipeline;
    }

    public record class Data(string input, string output);
}
