using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Planning;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Encoders;

internal static class EncoderTestData
{
    public static readonly string[] Texts =
    [
        "the quick brown fox jumps over the lazy dog",
        "hello world",
        "a cat sat on the mat.",
        "this is a test sentence for the embedding model, with some punctuation!",
        "query",
        "search passage 42",
    ];

    /// <summary>A CPU without native 16-bit arithmetic: Auto plans float32.</summary>
    public static PlanDevice PlainCpu { get; } = new("cpu", "test CPU", false, 64L << 30, null, true, false, true, false, true);

    /// <summary>A CPU with native BF16: Auto plans bfloat16.</summary>
    public static PlanDevice Bf16Cpu { get; } = new("cpu", "test CPU with AVX-512 BF16", false, 64L << 30, null, true, true, true, false, true);

    public static string NewFolder() => Directory.CreateTempSubdirectory("precision-enc-").FullName;

    /// <summary>A tiny sentence-transformers folder (written once per options) loaded for <paramref name="device"/>.</summary>
    public static SentenceEncoder Load(string folder, LoadOptions? options = null, PlanDevice? device = null) =>
        SentenceEncoder.Load(folder, options ?? new LoadOptions { Dtype = DType.Float32 }, [device ?? PlainCpu], null, null, CancellationToken.None);

    /// <summary>A tiny encoder built from weights in memory, with the WordPiece tokenizer of a written folder.</summary>
    public static SentenceEncoder FromTiny(TinyEncoder tiny, DType dtype, PoolingConfig? pooling = null, bool normalize = false, int? maxSeqLength = null) =>
        SentenceEncoder.FromWeights(tiny.Config, tiny.Source, Tokenizer(tiny), dtype, pooling, normalize, maxSeqLength);

    /// <summary>The WordPiece tokenizer of the tiny encoder's vocabulary (lower-casing).</summary>
    public static WordPieceTextTokenizer Tokenizer(TinyEncoder tiny)
    {
        var folder = NewFolder();
        try
        {
            WordPieceTextTokenizer.WriteVocab(folder, tiny.Vocab);
            return WordPieceTextTokenizer.Load(folder);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    public static double Norm(float[] a) => Math.Sqrt(a.Sum(v => v * (double)v));

    public static void Close(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]} (tolerance {tolerance})");
        }
    }

    /// <summary>An <see cref="IProgress{T}"/> that records reports synchronously.</summary>
    public sealed class Recorder<T> : IProgress<T>
    {
        public List<T> Reports { get; } = [];

        public void Report(T value) => Reports.Add(value);
    }
}
