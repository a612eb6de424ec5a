using PrecisionAnalyzers.Runtime.Models;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

internal static class ModelTestData
{
    public static TheoryData<string> Families() => new(TinyModelFactory.Families);

    /// <summary>A fixed prompt longer than the tiny models' window of 4.</summary>
    public static readonly int[] Prompt = [1, 17, 5, 88, 42, 3, 60, 9, 71, 30, 44, 12];

    public static float[,] ToArray(Tensor logits)
    {
        using var f = logits.to_type(ScalarType.Float32);
        var seq = (int)f.shape[1];
        var vocab = (int)f.shape[2];
        var data = f.data<float>().ToArray();
        var result = new float[seq, vocab];
        for (var t = 0; t < seq; t++)
        {
            for (var v = 0; v < vocab; v++)
            {
                result[t, v] = data[t * vocab + v];
            }
        }

        return result;
    }

    public static Tensor Ids(IEnumerable<int> ids) => tensor(ids.Select(i => (long)i).ToArray(), dtype: ScalarType.Int64).unsqueeze(0);
}
