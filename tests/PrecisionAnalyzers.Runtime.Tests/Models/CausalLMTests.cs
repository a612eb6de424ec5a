using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

public sealed class CausalLMTests
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
}
