using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Quantization;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Tests.Quantization;

/// <summary>
/// The block kernels (scalar, AVX2, AVX-512) against the plain reference: dequantize the whole weight, then libtorch's
/// linear; at shapes with partial last blocks, single rows and row counts that do not divide the work items.
/// </summary>
public sealed class QuantizedKernelTests
{
    public static TheoryData<WeightQuantization, int, int, int> Cases()
    {
        var data = new TheoryData<WeightQuantization, int, int, int>();
        foreach (var format in new[] { WeightQuantization.Int8, WeightQuantization.Int4 })
        {
            foreach (var (rows, columns) in new[] { (1, 1), (3, 31), (5, 32), (65, 33), (257, 172), (130, 64), (7, 1000) })
            {
                foreach (var path in Enum.GetValues<KernelPath>())
                {
                    data.Add(format, rows, columns, (int)path);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_kernel_matches_dequantize_then_matmul(WeightQuantization format, int rows, int columns, int pathIndex)
    {
        var path = (KernelPath)pathIndex;
        if (!Runs(path))
        {
            return;
        }

        TorchSharpLoader.EnsureLoaded();
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator((ulong)(17 + rows + columns));
        var weight = randn([rows, columns], generator: generator) * 0.05;
        var x = randn([1, 1, columns], generator: generator);
        var bias = randn([rows], generator: generator);
        using var quantized = QuantizedWeight.Quantize(weight, format, CPU);
        var before = QuantizedGemv.Path;
        try
        {
            QuantizedGemv.Path = path;
            var actual = QuantizedGemv.TryLinear(x, quantized, bias);
            Assert.NotNull(actual);
            using var reference = quantized.Dequantize(ScalarType.Float64);
            var expected = F.linear(x.to_type(ScalarType.Float64), reference, bias.to_type(ScalarType.Float64));
            Assert.Equal(new long[] { 1, 1, rows }, actual.shape);
            var error = (actual.to_type(ScalarType.Float64) - expected).abs().max().item<double>();
            var size = expected.abs().max().item<double>();
            Assert.True(error <= 1e-5 * (1 + size), $"{format} {path} [{rows}, {columns}]: max error {error:E2} against max |y| {size:F3}");
        }
        finally
        {
            QuantizedGemv.Path = before;
        }
    }

    [Theory]
    [InlineData(WeightQuantization.Int8)]
    [InlineData(WeightQuantization.Int4)]
    public void Bfloat16_activations_come_back_in_bfloat16_and_agree(WeightQuantization format)
    {
        TorchSharpLoader.EnsureLoaded();
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(5);
        var weight = randn([300, 96], generator: generator);
        var x = randn([1, 96], generator: generator).to_type(ScalarType.BFloat16);
        using var quantized = QuantizedWeight.Quantize(weight.to_type(ScalarType.BFloat16), format, CPU);

        var actual = quantized.Linear(x, null);
        var expected = quantized.DequantizedLinear(x.to_type(ScalarType.Float32), null);

        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        var error = (actual.to_type(ScalarType.Float32) - expected).abs().max().item<float>();
        Assert.True(error <= 0.01 * (1 + expected.abs().max().item<float>()), $"max error {error}");
    }

    [Fact]
    public void Prefill_rows_take_the_dequantized_path_and_match_row_by_row_decode()
    {
        TorchSharpLoader.EnsureLoaded();
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(9);
        var weight = randn([70, 45], generator: generator);
        var x = randn([1, 6, 45], generator: generator);
        using var quantized = QuantizedWeight.Quantize(weight, WeightQuantization.Int4, CPU);

        var all = quantized.Linear(x, null);
        for (var t = 0; t < 6; t++)
        {
            var one = quantized.Linear(x.narrow(1, t, 1).contiguous(), null);
            Assert.True(one.allclose(all.narrow(1, t, 1), rtol: 1e-4, atol: 1e-4), $"position {t}");
        }
    }

    private static bool Runs(KernelPath path) => path switch
    {
        KernelPath.Avx512 => System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.X86.Avx512BW.IsSupported,
        KernelPath.Avx2 => System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported,
        _ => true,
    };
}
