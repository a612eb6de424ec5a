// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/src/Microsoft.ML.GenAI.Core/Pipeline/CausalLMPipeline.cs (licence: MIT).
// The generation loop: prefill, then one token at a time with a KV cache (useCache left to its default of true); the pipeline never trains.
using System.Collections.Generic;
using Microsoft.ML.GenAI.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Pipeline;

public class GenerationPipeline
{
    private readonly nn.Module<CausalLMModelInput, CausalLMModelOutput> model;

    public GenerationPipeline(nn.Module<CausalLMModelInput, CausalLMModelOutput> model)
    {
        this.model = model;
    }

    public IEnumerable<(Tensor, Tensor)> GenerateStreaming(Tensor inputIds, Tensor attentionMask, int maxLen = 128)
    {
        using var _ = torch.no_grad();
        var prevPos = 0;
        var totalLen = inputIds.shape[1] + maxLen;
        for (var curPos = (int)inputIds.shape[1]; curPos < totalLen; curPos++)
        {
            CausalLMModelInput input;
            if (prevPos == 0)
            {
                input = new CausalLMModelInput(inputIds, attentionMask, pastKeyValuesLength: 0); //~ PREC003 generation; nothing in this type trains
            }
            else
            {
                input = new CausalLMModelInput(inputIds[.., prevPos..curPos], attentionMask[.., prevPos..curPos], pastKeyValuesLength: prevPos); //~ PREC003 generation
            }

            var output = model.forward(input);
            var logits = output.Logits!;
            var nextToken = logits[.., -1].argmax(-1, keepdim: true);
            inputIds = torch.cat([inputIds, nextToken], dim: -1);
            attentionMask = torch.cat([attentionMask, attentionMask.new_ones(attentionMask.shape[0], 1)], dim: -1);
            prevPos = curPos;
            yield return (nextToken, logits);
        }
    }
}
