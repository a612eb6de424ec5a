// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/src/Microsoft.ML.GenAI.Core/Trainer/CausalLMSupervisedFineTuningTrainer.cs (licence: MIT).
// GenAI's fine-tuning loop: pads each batch, forwards it with useCache: false, and steps Adam on the pipeline's model, yielding the pipeline after each epoch.
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.Core.Trainer;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Trainer;

public class SupervisedFineTuningTrainer
{
    private readonly ICausalLMPipeline _pipeline;

    public SupervisedFineTuningTrainer(ICausalLMPipeline pipeline)
    {
        _pipeline = pipeline;
    }

    public async IAsyncEnumerable<ICausalLMPipeline> TrainAsync(CausalLMDataset trainDataset, CausalLMSupervisedFineTuningTrainer.Option trainingOption, [EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Yield();
        var batches = trainDataset.Chunk(trainingOption.BatchSize);
        var optimizer = new Adam(_pipeline.Model.parameters(), lr: trainingOption.LearningRate);
        var device = torch.device(trainingOption.Device);
        for (int i = 0; i < trainingOption.Epoch; i++)
        {
            foreach (var batch in batches)
            {
                if (ct.IsCancellationRequested)
                {
                    yield break;
                }

                var scope = NewDisposeScope();
                var maxLen = batch.Max(x => x.InputIds.size(1));
                var inputIds = torch.cat(batch.Select(x => nn.functional.pad(x.InputIds, [0, maxLen - x.InputIds.shape[1]])).ToArray(), 0).to(device);
                var attentionMask = torch.cat(batch.Select(x => nn.functional.pad(x.AttentionMask!, [0, maxLen - x.AttentionMask!.shape[1]])).ToArray(), 0).to(device);
                var labels = torch.cat(batch.Select(x => nn.functional.pad(x.Labels!, [0, maxLen - x.Labels!.shape[1]], value: -100)).ToArray(), 0).to(device);
                var output = _pipeline.Model.forward(new CausalLMModelInput(inputIds, attentionMask: attentionMask, labels: labels, useCache: false)); //~ PREC003 useCache: false
                var loss = output.Loss;
                optimizer.zero_grad();
                loss!.backward(); //~ PREC003 trains, with the cache off
                optimizer.step(); //~ PREC003 trains, with the cache off
                loss.Dispose();
                scope.Dispose();
            }

            yield return _pipeline;
        }
    }
}
