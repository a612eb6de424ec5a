using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Runtime.Tests.Encoders;

public class SentenceEncoderTests
{
    [Fact]
    public void A_text_alone_and_in_a_padded_batch_gives_the_same_embedding()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32);
        var batch = encoder.Encode(EncoderTestData.Texts, batchSize: 32);
        for (var i = 0; i < EncoderTestData.Texts.Length; i++)
        {
            var alone = encoder.Encode([EncoderTestData.Texts[i]])[0];
            EncoderTestData.Close(alone, batch[i], 1e-5);
        }
    }

    [Fact]
    public void Embeddings_come_back_in_the_callers_order_after_length_sorting()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32);
        var texts = EncoderTestData.Texts;
        var alone = texts.Select(t => encoder.Encode([t])[0]).ToArray();

        // Batches of 2 after sorting by length mix texts from all over the input.
        var batched = encoder.Encode(texts, batchSize: 2);
        var reversed = encoder.Encode(texts.Reverse().ToArray(), batchSize: 4);

        for (var i = 0; i < texts.Length; i++)
        {
            EncoderTestData.Close(alone[i], batched[i], 1e-5);
            EncoderTestData.Close(alone[i], reversed[texts.Length - 1 - i], 1e-5);
        }

        // The texts differ, so a mix-up could not pass.
        Assert.True(EncoderTestData.Cosine(alone[0], alone[1]) < 0.999);
    }

    [Theory]
    [InlineData(DType.BFloat16)]
    [InlineData(DType.Float16)]
    public void Sixteen_bit_embeddings_agree_with_float32(DType dtype)
    {
        using var tiny = TinyEncoderFactory.Create();
        using var full = EncoderTestData.FromTiny(tiny, DType.Float32);
        using var half = EncoderTestData.FromTiny(tiny, dtype);
        Assert.Equal(dtype, half.Dtype);
        var expected = full.Encode(EncoderTestData.Texts);
        var actual = half.Encode(EncoderTestData.Texts);
        for (var i = 0; i < expected.Length; i++)
        {
            var cosine = EncoderTestData.Cosine(expected[i], actual[i]);
            Assert.True(cosine >= 0.99, $"text {i}: cosine {cosine} between float32 and {dtype}");
            Assert.All(actual[i], v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public void Normalisation_gives_unit_length_and_the_same_direction()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32, normalize: true);
        var normalized = encoder.Encode(EncoderTestData.Texts);
        var raw = encoder.Encode(EncoderTestData.Texts, 32, normalize: false, prompt: null, progress: null, CancellationToken.None);
        for (var i = 0; i < raw.Length; i++)
        {
            Assert.Equal(1.0, EncoderTestData.Norm(normalized[i]), 5);
            Assert.NotEqual(1.0, EncoderTestData.Norm(raw[i]), 2);
            Assert.True(EncoderTestData.Cosine(raw[i], normalized[i]) > 0.99999);
        }
    }

    [Fact]
    public void Texts_longer_than_max_seq_length_are_truncated()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32, maxSeqLength: 8);
        Assert.Equal(8, encoder.MaxTokens);

        // Identical in the first 6 words (8 tokens with [CLS] and [SEP]); different afterwards.
        var a = "the quick brown fox jumps over the lazy dog";
        var b = "the quick brown fox jumps over hello world cat sat";
        var embeddings = encoder.Encode([a, b]);
        EncoderTestData.Close(embeddings[0], embeddings[1], 1e-6);
    }

    [Fact]
    public void Max_seq_length_beyond_the_position_table_is_capped()
    {
        using var tiny = TinyEncoderFactory.Create(new TinyEncoderOptions { MaxTokens = 16 });
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32, maxSeqLength: 1000);
        Assert.Equal(16, encoder.MaxTokens);
        var longText = string.Join(' ', Enumerable.Repeat("hello world", 40));
        Assert.All(encoder.Encode([longText])[0], v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Truncation_and_length_limits_are_logged_as_warnings()
    {
        using var tiny = TinyEncoderFactory.Create(new TinyEncoderOptions { MaxTokens = 16 });
        var tokenizer = EncoderTestData.Tokenizer(tiny);

        var capped = new LogRecorder();
        using (var encoder = SentenceEncoder.FromWeights(tiny.Config, tiny.Source, tokenizer, DType.Float32, maxSeqLength: 100, logger: capped))
        {
            Assert.Contains(capped.Warnings, w => w.Contains("max_seq_length 100 exceeds the model's 16 positions", StringComparison.Ordinal));
            encoder.Encode([string.Join(' ', Enumerable.Repeat("hello world", 20)), "hello", string.Join(' ', Enumerable.Repeat("cat", 30))]);
            Assert.Contains(capped.Warnings, w => w.Contains("2 of 3 texts were longer than 16 tokens and were truncated", StringComparison.Ordinal));
        }

        var unset = new LogRecorder();
        using (SentenceEncoder.FromWeights(tiny.Config, tiny.Source, tokenizer, DType.Float32, logger: unset))
        {
            Assert.Contains(unset.Warnings, w => w.Contains("No max_seq_length", StringComparison.Ordinal));
        }

        var quiet = new LogRecorder();
        using (var encoder = SentenceEncoder.FromWeights(tiny.Config, tiny.Source, tokenizer, DType.Float32, maxSeqLength: 16, logger: quiet))
        {
            encoder.Encode(["hello world"]);
            Assert.Empty(quiet.Warnings);
        }
    }

    [Fact]
    public void Roberta_caps_at_its_usable_positions()
    {
        using var tiny = TinyEncoderFactory.Create(new TinyEncoderOptions { Family = "roberta", MaxTokens = 16 });
        Assert.Equal(18, tiny.Config.Model.MaxPositionEmbeddings);
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32);
        Assert.Equal(16, encoder.MaxTokens);
        var longText = string.Join(' ', Enumerable.Repeat("hello world", 40));
        Assert.All(encoder.Encode([longText])[0], v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Progress_is_reported_after_each_batch_and_reaches_the_total()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32);
        var progress = new EncoderTestData.Recorder<EncodeProgress>();
        encoder.Encode(EncoderTestData.Texts, 4, null, null, progress, CancellationToken.None);
        Assert.Equal([new EncodeProgress(4, 6), new EncodeProgress(6, 6)], progress.Reports);
    }

    [Fact]
    public void A_cancelled_token_stops_encoding()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var encoder = EncoderTestData.FromTiny(tiny, DType.Float32);
        using var cancellation = new CancellationTokenSource();
        var progress = new EncoderTestData.Recorder<EncodeProgress>();
        var cancelling = new CancelAfterFirst(cancellation);
        Assert.ThrowsAny<OperationCanceledException>(() => encoder.Encode(EncoderTestData.Texts, 2, null, null, cancelling, cancellation.Token));
        Assert.Single(cancelling.Reports);
    }

    [Fact]
    public void A_prompt_is_left_out_of_mean_pooling_when_include_prompt_is_false()
    {
        using var tiny = TinyEncoderFactory.Create();
        using var with = EncoderTestData.FromTiny(tiny, DType.Float32, new PoolingConfig([PoolingMode.Mean], IncludePrompt: true));
        using var without = EncoderTestData.FromTiny(tiny, DType.Float32, new PoolingConfig([PoolingMode.Mean], IncludePrompt: false));
        var a = with.Encode(["hello world"], 32, null, "query: ", null, CancellationToken.None)[0];
        var b = without.Encode(["hello world"], 32, null, "query: ", null, CancellationToken.None)[0];
        Assert.True(EncoderTestData.Cosine(a, b) < 0.9999, "leaving the prompt out must change the mean");

        // The same prompt-free mean, computed from the token embeddings directly: tokens after [CLS] query : .
        var tokenizer = EncoderTestData.Tokenizer(tiny);
        var ids = tokenizer.Encode("query: hello world", 64, out _);
        Assert.Equal(6, ids.Length);
        using var idTensor = TorchSharp.torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        using var mask = TorchSharp.torch.ones_like(idTensor);
        using var tokens = without.Model.Forward(idTensor, mask);
        var values = tokens.data<float>().ToArray();
        var hidden = (int)tiny.Config.Model.HiddenSize;
        var expected = new float[hidden];
        for (var j = 0; j < hidden; j++)
        {
            expected[j] = (values[3 * hidden + j] + values[4 * hidden + j] + values[5 * hidden + j]) / 3;
        }

        EncoderTestData.Close(expected, b, 1e-5);
    }

    [Fact]
    public void Missing_unexpected_and_mis_shaped_weights_are_one_error()
    {
        using var tiny = TinyEncoderFactory.Create();
        var weights = tiny.Weights.ToDictionary(w => w.Key, w => w.Value);
        weights.Remove("encoder.layer.1.output.dense.bias");
        using var extra = TorchSharp.torch.zeros(3);
        weights["encoder.layer.0.attention.self.rotary.weight"] = extra;
        using var wrong = TorchSharp.torch.zeros(5, 32);
        weights["embeddings.position_embeddings.weight"] = wrong;
        using var pooler = TorchSharp.torch.zeros(32, 32);
        weights["pooler.dense.weight"] = pooler;

        var error = Assert.Throws<WeightMappingException>(() => BertEncoder.Build(tiny.Config, new StateDictWeightSource(weights), DType.Float32));

        Assert.Equal(["encoder.layer.1.output.dense.bias"], error.Missing);
        Assert.Equal(["encoder.layer.0.attention.self.rotary.weight"], error.Unexpected);
        Assert.Single(error.MisShaped);
        Assert.Contains("embeddings.position_embeddings.weight: expected [64, 32], found [5, 32]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tf_era_gamma_and_beta_names_load()
    {
        using var tiny = TinyEncoderFactory.Create();
        var renamed = tiny.Weights.ToDictionary(
            w => w.Key.Replace("LayerNorm.weight", "LayerNorm.gamma", StringComparison.Ordinal).Replace("LayerNorm.bias", "LayerNorm.beta", StringComparison.Ordinal),
            w => w.Value);
        Assert.Contains("embeddings.LayerNorm.gamma", renamed.Keys);
        using var a = SentenceEncoder.FromWeights(tiny.Config, tiny.Source, new FixedTokenizer(), DType.Float32);
        using var b = SentenceEncoder.FromWeights(tiny.Config, new StateDictWeightSource(renamed), new FixedTokenizer(), DType.Float32);
        Assert.Equal(a.Encode(["x"])[0], b.Encode(["x"])[0]);
    }

    [Fact]
    public void Live_tensors_stay_flat_across_encodes_cancellation_and_failed_builds()
    {
        using var tiny = TinyEncoderFactory.Create();
        var statistics = TorchSharp.DisposeScopeManager.Statistics;
        var before = statistics.ThreadTotalLiveCount;
        using (var encoder = EncoderTestData.FromTiny(tiny, DType.BFloat16, new PoolingConfig([PoolingMode.Cls, PoolingMode.Max, PoolingMode.WeightedMean]), normalize: true))
        {
            encoder.Encode(EncoderTestData.Texts, batchSize: 4);
            var loaded = statistics.ThreadTotalLiveCount;
            encoder.Encode(EncoderTestData.Texts, batchSize: 2);
            encoder.Encode(EncoderTestData.Texts, 3, null, "query: ", null, CancellationToken.None);
            Assert.Equal(loaded, statistics.ThreadTotalLiveCount);

            using var cancellation = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() => encoder.Encode(EncoderTestData.Texts, 2, null, null, new CancelAfterFirst(cancellation), cancellation.Token));
            Assert.Equal(loaded, statistics.ThreadTotalLiveCount);
        }

        Assert.Equal(before, statistics.ThreadTotalLiveCount);
        var failing = new FailingAfter(tiny.Source, 10);
        Assert.Throws<IOException>(() => BertEncoder.Build(tiny.Config, failing, DType.Float32));
        Assert.Equal(10, failing.Served);
        Assert.Equal(before, statistics.ThreadTotalLiveCount);
    }

    private sealed class CancelAfterFirst(CancellationTokenSource source) : IProgress<EncodeProgress>
    {
        public List<EncodeProgress> Reports { get; } = [];

        public void Report(EncodeProgress value)
        {
            Reports.Add(value);
            source.Cancel();
        }
    }

    /// <summary>A weight source whose reads fail after <paramref name="count"/> tensors, like a file cut short.</summary>
    private sealed class FailingAfter(IWeightSource inner, int count) : IWeightSource
    {
        public int Served { get; private set; }

        public IReadOnlyCollection<string> Names => inner.Names;

        public long[]? Shape(string name) => inner.Shape(name);

        public TorchSharp.torch.Tensor Get(string name, TorchSharp.torch.ScalarType dtype, TorchSharp.torch.Device device)
        {
            if (Served == count)
            {
                throw new IOException("read failed");
            }

            Served++;
            return inner.Get(name, dtype, device);
        }
    }

    private sealed class FixedTokenizer : IEncoderTokenizer
    {
        public int PadTokenId => 0;

        public int[] Encode(string text, int maxTokens, out bool truncated)
        {
            truncated = false;
            return [2, 40, 41, 42, 3];
        }
    }
}
