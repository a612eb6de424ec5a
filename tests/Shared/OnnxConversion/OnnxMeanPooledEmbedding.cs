using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>
/// The reference side: ONNX Runtime on a BERT export (inputs input_ids, attention_mask, token_type_ids; output
/// last_hidden_state) for one text's token ids, mean-pooled over its tokens and L2-normalised, as all-MiniLM-L6-v2's
/// sentence-transformers modules say.
/// </summary>
internal static class OnnxMeanPooledEmbedding
{
    public static float[] Embed(InferenceSession session, IReadOnlyList<int> ids)
    {
        var n = ids.Count;
        var inputs = new[]
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), [1, n])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, n).ToArray(), [1, n])),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[n], [1, n])),
        };
        using var results = session.Run(inputs, ["last_hidden_state"]);
        var hidden = results[0].AsTensor<float>();
        var width = hidden.Dimensions[2];
        var pooled = new double[width];
        for (var t = 0; t < n; t++)
        {
            for (var d = 0; d < width; d++)
            {
                pooled[d] += hidden[0, t, d] / n;
            }
        }

        var norm = Math.Sqrt(pooled.Sum(v => v * v));
        return pooled.Select(v => (float)(v / norm)).ToArray();
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
