// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/src/Microsoft.ML.GenAI.Core/Trainer/CausalLMDataset.cs (licence: MIT).
// Builds the fine-tuning dataset: one CausalLMModelInput (ids, labels, mask) per label position, useCache left to its default; the type never trains.
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.GenAI.Core;
using TorchSharp;

namespace Corpus.MachineLearning.Dataset;

public class CausalLMDatasetBuilder
{
    public static List<CausalLMModelInput> Create(IReadOnlyList<int> inputIds, IReadOnlyList<int> labelIds)
    {
        var enumerable = Enumerable.Range(0, labelIds.Count)
            .Select(i =>
            {
                var train = inputIds.Concat(labelIds.Take(i)).ToArray();
                var label = Enumerable.Repeat(-100L, train.Length).Concat([labelIds[i]]).Skip(1).ToArray();
                var mask = Enumerable.Repeat(1L, train.Length).ToArray();

                return new CausalLMModelInput( //~ PREC003 a dataset item; nothing in this type trains (the trainer forwards its own input with useCache: false)
                    inputIds: torch.tensor(train.ToArray(), dtype: TorchSharp.torch.ScalarType.Int64).reshape(1, -1),
                    labels: torch.tensor(label, dtype: TorchSharp.torch.ScalarType.Int64).reshape(1, -1),
                    attentionMask: torch.tensor(mask, dtype: TorchSharp.torch.ScalarType.Int64).reshape(1, -1)
                );
            });

        return enumerable.ToList();
    }
}
