using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

public sealed class CpuGemvTests
{
    public CpuGemvTests() => TorchSharpLoader.EnsureLoaded();

    [Theory]
    [InlineData(256, 16, false)]
    [InlineData(1003, 77, true)] // rows not a multiple of 4 or of the split, a column tail past the last vector
    [InlineData(4096, 768, true)]
    [InlineData(300, 5, false)] // narrower than one vector
    public void The_row_split_product_equals_libtorch_linear(int rows, int columns, bool withBias)
    {
        using var generator = new Generator(3);
        using var weight = randn([rows, columns], generator: generator);
        using var bias = withBias ? randn([rows], generator: generator) : null;
        using var x = randn([1, 1, columns], generator: generator);

        using var actual = CpuGemv.TryLinear(x, weight, bias);
        using var expected = F.linear(x, weight, bias);

        Assert.NotNull(actual);
        Assert.Equal(expected.shape, actual!.shape);
        var difference = (actual - expected).abs().max().item<float>();
        Assert.True(difference <= 1e-4f * Math.Sqrt(columns), $"max |Δ| = {difference}");
    }

    [Fact]
    public void It_steps_aside_where_it_does_not_apply()
    {
        using var weight = randn([512, 64]);
        using var two = randn([1, 2, 64]);
        using var half = randn([1, 1, 64]).to_type(ScalarType.Float16);
        using var small = randn([8, 64]);
        using var one = randn([1, 1, 64]);
        using var trainable = randn([1, 1, 64]).requires_grad_();

        Assert.Null(CpuGemv.TryLinear(two, weight, null));                 // a prompt, not a decode step
        Assert.Null(CpuGemv.TryLinear(half, weight.to_type(ScalarType.Float16), null)); // FP16 stays with libtorch
        Assert.Null(CpuGemv.TryLinear(one.to_type(ScalarType.BFloat16), weight.to_type(ScalarType.BFloat16), null)); // BF16 stays with libtorch
        Assert.Null(CpuGemv.TryLinear(one, small, null));                  // too few rows to be worth splitting
        Assert.Null(CpuGemv.TryLinear(trainable, weight, null));           // autograd needs libtorch's op
        Assert.Null(CpuGemv.TryLinear(one, weight.t().contiguous().t(), null)); // a transposed view is not contiguous
    }

    [Fact]
    public void A_decoder_whose_head_is_split_decodes_what_libtorch_decodes()
    {
        using var tiny = TinyModelFactory.Create("llama", new TinyModelOptions { VocabSize = 1024 });
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float32);
        var options = new GenerationOptions { MaxNewTokens = 8, CaptureLogits = true };

        var split = lm.Generate(ModelTestData.Prompt, options);
        CpuGemv.Enabled = false;
        try
        {
            var plain = lm.Generate(ModelTestData.Prompt, options);
            Assert.Equal(plain.Tokens, split.Tokens);
            var difference = plain.Logits!.Zip(split.Logits!, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
            Assert.True(difference < 1e-4, $"max |Δlogit| = {difference}");
        }
        finally
        {
            CpuGemv.Enabled = true;
        }
    }
}
