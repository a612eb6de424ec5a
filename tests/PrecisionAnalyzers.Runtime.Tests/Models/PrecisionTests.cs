using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

public sealed class PrecisionTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(ModelTestData.Families), MemberType = typeof(ModelTestData))]
    public void Float32_and_BFloat16_agree_on_the_top_token_at_most_positions(string family)
    {
        using var tiny = TinyModelFactory.Create(family);
        using var f32 = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.Float32);
        using var bf16 = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.BFloat16);
        using var ids = ModelTestData.Ids(ModelTestData.Prompt);
        using var a = f32.Forward(ids);
        using var b = bf16.Forward(ids);
        Assert.Equal(ScalarType.BFloat16, b.dtype);
        var x = ModelTestData.ToArray(a);
        var y = ModelTestData.ToArray(b);
        var agree = 0;
        for (var t = 0; t < x.GetLength(0); t++)
        {
            agree += Top(x, t) == Top(y, t) ? 1 : 0;
        }

        output.WriteLine($"{family}: top-1 agrees at {agree}/{x.GetLength(0)} positions");
        Assert.True(agree >= 0.75 * x.GetLength(0), $"{family}: only {agree}/{x.GetLength(0)} positions agree");

        static int Top(float[,] logits, int t)
        {
            var row = new float[logits.GetLength(1)];
            for (var v = 0; v < row.Length; v++)
            {
                row[v] = logits[t, v];
            }

            return Sampler.ArgMax(row);
        }
    }

    [Theory]
    [MemberData(nameof(ModelTestData.Families), MemberType = typeof(ModelTestData))]
    public void The_fp16_overflow_model_overflows_only_in_Float16(string family)
    {
        using var tiny = TinyModelFactory.Create(family, new TinyModelOptions { Fp16Overflow = true });
        Assert.All(tiny.Weights.Values, w => Assert.True(w.abs().max().to_type(ScalarType.Float32).item<float>() < 65504, "weights must stay within FP16's range"));
        using var ids = ModelTestData.Ids(ModelTestData.Prompt);

        using (var fp16 = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.Float16))
        using (var logits = fp16.Forward(ids))
        {
            Assert.False(logits.isfinite().all().item<bool>(), "FP16 without the guard should give non-finite logits");
        }

        foreach (var dtype in new[] { DType.BFloat16, DType.Float32 })
        {
            using var model = DecoderModel.Build(tiny.Config, tiny.WeightSource, dtype);
            var guard = new OverflowGuard(dtype);
            using var logits = model.Forward(ids, guard: guard);
            Assert.True(logits.isfinite().all().item<bool>(), $"{dtype} logits should be finite");
            Assert.True(logits.abs().max().to_type(ScalarType.Float32).item<float>() > 0.1, "logits should keep an ordinary scale");
            Assert.Equal(tiny.Config.NumHiddenLayers + 1, guard.Checks);
        }
    }

    [Fact]
    public void Guard_with_Throw_policy_raises_PREC104_naming_the_layer_and_position()
    {
        using var tiny = TinyModelFactory.Create("gemma2", new TinyModelOptions { Fp16Overflow = true });
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float16, new OverflowGuardOptions { Policy = OverflowPolicy.Throw });
        var error = Assert.Throws<NonFiniteActivationsException>(() => runner.Generate(ModelTestData.Prompt, new GenerationOptions { MaxNewTokens = 3 }));
        Assert.Equal(RuntimeCodes.NonFiniteActivations, error.Code);
        Assert.IsAssignableFrom<PrecisionException>(error);
        Assert.Equal(2, error.Layer);
        Assert.Equal(0, error.Position);
        Assert.Equal(DType.Float16, error.Dtype);
        Assert.Contains("decoder layer 2", error.Message, StringComparison.Ordinal);
        output.WriteLine(error.Message);
    }

    [Theory]
    [InlineData("llama", true, DType.BFloat16)]
    [InlineData("gemma3", true, DType.BFloat16)]
    [InlineData("gemma", false, DType.Float32)]
    public void Default_policy_reruns_in_a_safer_dtype_and_warns_with_PREC104(string family, bool bf16Supported, DType expected)
    {
        using var tiny = TinyModelFactory.Create(family, new TinyModelOptions { Fp16Overflow = true });
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float16, new OverflowGuardOptions { BFloat16Supported = bf16Supported });
        var streamed = new List<GeneratedToken>();
        var result = runner.Generate(ModelTestData.Prompt, new GenerationOptions { MaxNewTokens = 4, CaptureLogits = true }, streamed.Add);

        Assert.Equal(expected, result.Dtype);
        Assert.Equal(expected, runner.Dtype);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(RuntimeCodes.NonFiniteActivations, warning.Code);
        Assert.Contains("decoder layer 2", warning.Message, StringComparison.Ordinal);
        Assert.Contains(PrecisionAnalyzers.Runtime.Planning.DtypeRules.Name(expected), warning.Message, StringComparison.Ordinal);
        Assert.Equal(4, result.Tokens.Count);
        Assert.All(result.Logits!, row => Assert.True(row.All(float.IsFinite)));
        Assert.Equal(result.Tokens, streamed.Where(t => t.Dtype == expected).Select(t => t.TokenId));
        output.WriteLine(warning.ToString());

        // The answer equals a direct run in the safer dtype.
        using var direct = new DecoderRunner(tiny.Config, tiny.WeightSource, expected);
        Assert.Equal(direct.Generate(ModelTestData.Prompt, new GenerationOptions { MaxNewTokens = 4 }).Tokens, result.Tokens);
    }

    [Fact]
    public void Without_the_guard_Float16_generation_runs_on_non_finite_logits()
    {
        using var tiny = TinyModelFactory.Create("mistral", new TinyModelOptions { Fp16Overflow = true });
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float16, new OverflowGuardOptions { Enabled = false });
        var result = runner.Generate(ModelTestData.Prompt, new GenerationOptions { MaxNewTokens = 2, CaptureLogits = true });
        Assert.Equal(DType.Float16, result.Dtype);
        Assert.Empty(result.Warnings);
        Assert.Contains(result.Logits!, row => row.Any(v => !float.IsFinite(v)));
    }

    [Fact]
    public void The_fallback_path_leaks_no_tensors()
    {
        using var tiny = TinyModelFactory.Create("gemma2", new TinyModelOptions { Fp16Overflow = true });
        using var runner = new DecoderRunner(tiny.Config, tiny.WeightSource, DType.Float16);
        var statistics = TorchSharp.DisposeScopeManager.Statistics;
        var before = statistics.ThreadTotalLiveCount;
        var result = runner.Generate(ModelTestData.Prompt, new GenerationOptions { MaxNewTokens = 5 });
        Assert.Equal(DType.BFloat16, result.Dtype);
        Assert.Equal(before, statistics.ThreadTotalLiveCount); // the FP16 model and its half-run were disposed; the BF16 model replaced them
    }

    [Fact]
    public void A_cache_passed_in_training_mode_is_ignored()
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var model = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.Float32);
        using var cache = model.CreateCache()!;
        model.Train();
        using var ids = ModelTestData.Ids([1, 2, 3]);
        using var logits = model.Forward(ids, cache);
        Assert.Equal(0, cache.Length);
        Assert.Equal(0, cache.HeldPositions(0));
    }
}
