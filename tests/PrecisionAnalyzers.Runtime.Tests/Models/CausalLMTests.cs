using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

public sealed class CausalLMTests(ITestOutputHelper output)
{
    [Fact]
    public void A_model_built_from_weights_generates_and_reports_its_dtype()
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.BFloat16);
        var streamed = new List<int>();
        var result = lm.Generate([1, 2, 3, 4], new GenerationOptions { MaxNewTokens = 6 }, t => streamed.Add(t.TokenId));

        Assert.Equal(DType.BFloat16, result.Dtype);
        Assert.Equal("cpu", lm.Device);
        Assert.True(lm.UseCache);
        Assert.Equal(6, result.Tokens.Count);
        Assert.Equal(result.Tokens, streamed);
        Assert.True(result.PrefillTokensPerSecond > 0 && result.DecodeTokensPerSecond > 0);
    }

    [Fact]
    public void Training_mode_ignores_the_cache_with_PREC105()
    {
        using var tiny = TinyModelFactory.Create("gemma2");
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float32, useCache: true);
        lm.Train();
        Assert.True(lm.IsTraining);
        var result = lm.Generate([1, 2, 3], new GenerationOptions { MaxNewTokens = 2 });
        Assert.False(result.UsedCache);
        Assert.Equal(RuntimeCodes.CacheDisabledForTraining, Assert.Single(result.Warnings).Code);
        lm.Eval();
        Assert.True(lm.Generate([1, 2, 3], new GenerationOptions { MaxNewTokens = 2 }).UsedCache);
    }

    [Fact]
    public void The_overflow_fallback_is_kept_for_later_requests()
    {
        using var tiny = TinyModelFactory.Create("gemma3_text", new TinyModelOptions { Fp16Overflow = true, Dtype = DType.BFloat16 });
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float16);
        var first = lm.Generate([5, 6, 7], new GenerationOptions { MaxNewTokens = 3 });
        var second = lm.Generate([5, 6, 7], new GenerationOptions { MaxNewTokens = 3 });
        Assert.Equal(DType.BFloat16, first.Dtype);
        Assert.Equal(RuntimeCodes.NonFiniteActivations, Assert.Single(first.Warnings).Code);
        Assert.Equal(DType.BFloat16, second.Dtype);
        Assert.Empty(second.Warnings);
        Assert.Equal(first.Tokens, second.Tokens);
    }

    /// <summary>Decode speed of a ~100M-parameter llama (random weights); set PRECISION_DECODE_SPEED=1 to run.</summary>
    [Fact]
    public void Decode_speed_of_a_100M_llama()
    {
        if (Environment.GetEnvironmentVariable("PRECISION_DECODE_SPEED") != "1")
        {
            return;
        }

        const string config = """
            {"model_type":"llama","hidden_size":768,"intermediate_size":2048,"num_hidden_layers":12,"num_attention_heads":12,
             "num_key_value_heads":4,"vocab_size":32000,"max_position_embeddings":2048,"rms_norm_eps":1e-5,"tie_word_embeddings":false}
            """;
        using var model = TinyModelFactory.Random(config);
        foreach (var dtype in new[] { DType.Float32, DType.BFloat16 })
        {
            using var lm = CausalLM.FromWeights(model.Config, model.WeightSource, dtype);
            lm.Generate([1, 2, 3], new GenerationOptions { MaxNewTokens = 4 });
            var result = lm.Generate(Enumerable.Range(1, 32).ToArray(), new GenerationOptions { MaxNewTokens = 64 });
            var parameters = model.Weights.Values.Sum(w => w.numel());
            lm.OverflowGuard = lm.OverflowGuard with { Enabled = false };
            var unguarded = lm.Generate(Enumerable.Range(1, 32).ToArray(), new GenerationOptions { MaxNewTokens = 64 });
            output.WriteLine($"{dtype}: {parameters / 1e6:F1}M parameters, prefill {result.PrefillTokensPerSecond:F0} tok/s, decode {result.DecodeTokensPerSecond:F1} tok/s; guard off: decode {unguarded.DecodeTokensPerSecond:F1} tok/s");
        }
    }
}
