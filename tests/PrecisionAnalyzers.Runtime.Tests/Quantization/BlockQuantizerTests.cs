using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Quantization;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Quantization;

/// <summary>The block formats' rounding: every weight within half a step of its block, from any checkpoint dtype.</summary>
public sealed class BlockQuantizerTests
{
    [Theory]
    [InlineData(WeightQuantization.Int8, ScalarType.Float32)]
    [InlineData(WeightQuantization.Int8, ScalarType.BFloat16)]
    [InlineData(WeightQuantization.Int8, ScalarType.Float16)]
    [InlineData(WeightQuantization.Int4, ScalarType.Float32)]
    [InlineData(WeightQuantization.Int4, ScalarType.BFloat16)]
    public void Every_weight_is_within_half_a_step_of_its_block(WeightQuantization format, ScalarType stored)
    {
        TorchSharpLoader.EnsureLoaded();
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(3);
        // Blocks of very different magnitudes (per-block scales must follow them), a zero block and a partial last block.
        var weight = (randn([40, 100], generator: generator) * logspace(-4, 1, 100).unsqueeze(0)).to_type(stored);
        weight[5] = zeros(100);
        using var quantized = QuantizedWeight.Quantize(weight, format, CPU);
        var original = weight.to_type(ScalarType.Float32);
        var restored = quantized.Dequantize(ScalarType.Float32);

        var padded = (int)quantized.Blocks * 32;
        var blocks = nn.functional.pad(original, [0, padded - 100]).view(40, -1, 32);
        var range = format == WeightQuantization.Int8
            ? blocks.abs().amax([2]) * 2 / 254
            : (blocks.amax([2]) - blocks.amin([2])) / 15;
        // Half a step, plus BF16 rounding of the stored scale (up to 1/128 of a step per unit) and FP32 slack.
        var allowed = (range * 0.5 * (1 + (1.0 / 64)) + 1e-7).repeat_interleave(32, 1).narrow(1, 0, 100);
        var error = (restored - original).abs();
        Assert.True(error.le(allowed).all().item<bool>(), $"{format} from {stored}: worst excess {(error - allowed).max().item<float>():E2}");
        Assert.True(restored[5].eq(0).all().item<bool>(), "a zero block must dequantize to zeros");
        Assert.Equal(format == WeightQuantization.Int8 ? 40 * ((4 * 32) + (4 * 2)) : 40 * ((4 * 16) + (4 * 4)), quantized.Bytes);
    }

    [Fact]
    public void Bfloat16_rounding_goes_the_asked_way()
    {
        foreach (var value in new[] { 1.0f, 0.3f, 1e-8f, 123.456f, -0.3f, -7.77f })
        {
            Assert.True(BlockQuantizer.ToFloat(BlockQuantizer.RoundUp(value)) >= value, $"up {value}");
            Assert.True(BlockQuantizer.ToFloat(BlockQuantizer.RoundDown(value)) <= value, $"down {value}");
        }
    }
}
