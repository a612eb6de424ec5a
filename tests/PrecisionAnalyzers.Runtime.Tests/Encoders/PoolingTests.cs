using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Native;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Encoders;

/// <summary>Each pooling mode against the same computation written over plain arrays.</summary>
public class PoolingTests
{
    private const int Batch = 3;
    private const int Seq = 5;
    private const int Hidden = 4;

    // Text 0 fills the sequence, text 1 is right-padded to 3 tokens, text 2 is left-padded (2 pads, then 3 tokens).
    private static readonly long[,] Mask = { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 0, 0 }, { 0, 0, 1, 1, 1 } };

    private static readonly float[,,] Tokens = BuildTokens();

    public PoolingTests() => TorchSharpLoader.EnsureLoaded();

    public static TheoryData<PoolingMode> Modes() => new(Enum.GetValues<PoolingMode>());

    [Theory]
    [MemberData(nameof(Modes))]
    public void Each_mode_matches_the_plain_array_computation(PoolingMode mode)
    {
        var actual = Pool(new PoolingConfig([mode]), 0);
        for (var b = 0; b < Batch; b++)
        {
            EncoderTestData.Close(Expected(mode, b, RealMask(b, 0)), actual[b], 1e-5);
        }
    }

    [Fact]
    public void Several_modes_are_concatenated_in_sentence_transformers_order()
    {
        var config = PoolingConfig.Parse("""{"pooling_mode": ["mean", "cls", "max"]}""");
        Assert.Equal([PoolingMode.Cls, PoolingMode.Max, PoolingMode.Mean], config.Modes);
        var actual = Pool(config, 0);
        for (var b = 0; b < Batch; b++)
        {
            var expected = Expected(PoolingMode.Cls, b, RealMask(b, 0)).Concat(Expected(PoolingMode.Max, b, RealMask(b, 0))).Concat(Expected(PoolingMode.Mean, b, RealMask(b, 0))).ToArray();
            EncoderTestData.Close(expected, actual[b], 1e-5);
        }
    }

    [Theory]
    [InlineData(PoolingMode.Mean)]
    [InlineData(PoolingMode.Max)]
    [InlineData(PoolingMode.WeightedMean)]
    [InlineData(PoolingMode.MeanSqrtLen)]
    [InlineData(PoolingMode.Cls)]
    [InlineData(PoolingMode.LastToken)]
    public void Without_include_prompt_the_prompt_tokens_leave_the_pool(PoolingMode mode)
    {
        const int prompt = 2;
        var actual = Pool(new PoolingConfig([mode], IncludePrompt: false), prompt);
        for (var b = 0; b < Batch; b++)
        {
            // cls and lasttoken still pick the first and last real token.
            var mask = mode is PoolingMode.Cls or PoolingMode.LastToken ? RealMask(b, 0) : RealMask(b, prompt);
            EncoderTestData.Close(Expected(mode, b, mask, RealMask(b, 0)), actual[b], 1e-5);
        }
    }

    [Fact]
    public void Legacy_and_new_formats_read_the_same()
    {
        var legacy = PoolingConfig.Parse("""
            {"word_embedding_dimension": 32, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": false, "pooling_mode_max_tokens": true,
             "pooling_mode_mean_sqrt_len_tokens": false, "pooling_mode_weightedmean_tokens": false, "pooling_mode_lasttoken": true, "include_prompt": false}
            """);
        var modern = PoolingConfig.Parse("""{"embedding_dimension": 32, "pooling_mode": ["lasttoken", "max"], "include_prompt": false}""");
        Assert.Equal([PoolingMode.Max, PoolingMode.LastToken], legacy.Modes);
        Assert.Equal(legacy.Modes, modern.Modes);
        Assert.False(legacy.IncludePrompt);
        Assert.False(modern.IncludePrompt);
        Assert.Equal(32, legacy.Dimension);
        Assert.Equal(32, modern.Dimension);
    }

    [Fact]
    public void A_single_name_and_no_true_flag_both_read()
    {
        Assert.Equal([PoolingMode.MeanSqrtLen], PoolingConfig.Parse("""{"pooling_mode": "mean_sqrt_len_tokens"}""").Modes);
        Assert.Equal([PoolingMode.Mean], PoolingConfig.Parse("""{"word_embedding_dimension": 8, "pooling_mode_cls_token": false}""").Modes);
        Assert.True(PoolingConfig.Parse("{}").IncludePrompt);
    }

    [Theory]
    [InlineData("""{"pooling_mode": "average"}""", "average")]
    [InlineData("""{"pooling_mode": 3}""", "pooling_mode")]
    [InlineData("""{"pooling_mode_cls_token": "yes"}""", "pooling_mode_cls_token")]
    [InlineData("""[1, 2]""", "JSON object")]
    [InlineData("""{"pooling_mode": """, "not valid JSON")]
    public void Bad_pooling_configs_say_what_is_wrong(string json, string fragment)
    {
        var error = Assert.Throws<SentenceModelException>(() => PoolingConfig.Parse(json, "1_Pooling/config.json"));
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.Contains("1_Pooling/config.json", error.Message, StringComparison.Ordinal);
    }

    private static float[][] Pool(PoolingConfig config, long prompt)
    {
        var flat = new float[Batch * Seq * Hidden];
        Buffer.BlockCopy(Tokens, 0, flat, 0, flat.Length * sizeof(float));
        var mask = new long[Batch * Seq];
        Buffer.BlockCopy(Mask, 0, mask, 0, mask.Length * sizeof(long));
        using var tokens = tensor(flat, [Batch, Seq, Hidden]);
        using var maskTensor = tensor(mask, [Batch, Seq]);
        using var pooled = Pooler.Pool(config, tokens, maskTensor, prompt);
        var width = (int)pooled.shape[1];
        var values = pooled.data<float>().ToArray();
        return Enumerable.Range(0, Batch).Select(b => values.Skip(b * width).Take(width).ToArray()).ToArray();
    }

    /// <summary>The mask of text <paramref name="b"/> without padding and without its first <paramref name="prompt"/> real tokens.</summary>
    private static bool[] RealMask(int b, int prompt)
    {
        var result = new bool[Seq];
        var seen = 0;
        for (var t = 0; t < Seq; t++)
        {
            if (Mask[b, t] == 1)
            {
                result[t] = seen >= prompt;
                seen++;
            }
        }

        return result;
    }

    private static float[] Expected(PoolingMode mode, int b, bool[] mask, bool[]? padding = null)
    {
        padding ??= mask;
        var result = new float[Hidden];
        var positions = Enumerable.Range(0, Seq).Where(t => mask[t]).ToArray();
        var real = Enumerable.Range(0, Seq).Where(t => padding[t]).ToArray();
        for (var j = 0; j < Hidden; j++)
        {
            double sum = positions.Sum(t => (double)Tokens[b, t, j]);
            result[j] = mode switch
            {
                PoolingMode.Cls => Tokens[b, real.First(), j],
                PoolingMode.LastToken => Tokens[b, real.Last(), j],
                PoolingMode.Max => positions.Max(t => Tokens[b, t, j]),
                PoolingMode.Mean => (float)(sum / positions.Length),
                PoolingMode.MeanSqrtLen => (float)(sum / Math.Sqrt(positions.Length)),
                PoolingMode.WeightedMean => (float)(positions.Sum(t => (t + 1) * (double)Tokens[b, t, j]) / positions.Sum(t => t + 1.0)),
                _ => throw new ArgumentOutOfRangeException(nameof(mode)),
            };
        }

        return result;
    }

    private static float[,,] BuildTokens()
    {
        var random = new Random(7);
        var tokens = new float[Batch, Seq, Hidden];
        for (var b = 0; b < Batch; b++)
        {
            for (var t = 0; t < Seq; t++)
            {
                for (var j = 0; j < Hidden; j++)
                {
                    // Padding positions hold large values, so any leak shows.
                    tokens[b, t, j] = Mask[b, t] == 1 ? (float)(random.NextDouble() * 4 - 2) : 1000f;
                }
            }
        }

        return tokens;
    }
}
