using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

/// <summary>
/// The decode GEMV kernels against the plain definition, y[r] = Σ W[r,i]·x[i] + b[r] summed in double over the exact
/// values of the dtype and rounded once to it, for every dtype and every instruction set this CPU can run, at shapes
/// whose rows and columns are not multiples of the vector width, the four-row group or the work block.
/// </summary>
[Collection(CpuGemvCollection.Name)]
public sealed class CpuGemvTests
{
    public CpuGemvTests()
    {
        TorchSharpLoader.EnsureLoaded();
        CpuGemv.Float16Kernel = true;
    }

    public static TheoryData<string, int, int, bool> Shapes()
    {
        var data = new TheoryData<string, int, int, bool>();
        foreach (var instructions in new[] { "Scalar", "Avx2", "Avx512" })
        {
            foreach (var (rows, columns, bias) in new[]
                     {
                         (1, 1, false), (1, 77, true), (7, 1, true), (3, 15, false), (5, 16, false), (9, 17, true),
                         (67, 31, false), (130, 33, true), (1003, 77, true), (256, 768, false), (129, 2050, true),
                     })
            {
                data.Add(instructions, rows, columns, bias);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32_equals_the_definition(string instructions, int rows, int columns, bool withBias) =>
        Check(ScalarType.Float32, Enum.Parse<GemvInstructionSet>(instructions), rows, columns, withBias);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BFloat16_equals_the_definition(string instructions, int rows, int columns, bool withBias) =>
        Check(ScalarType.BFloat16, Enum.Parse<GemvInstructionSet>(instructions), rows, columns, withBias);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float16_equals_the_definition(string instructions, int rows, int columns, bool withBias) =>
        Check(ScalarType.Float16, Enum.Parse<GemvInstructionSet>(instructions), rows, columns, withBias);

    [Theory]
    [InlineData("Scalar")]
    [InlineData("Avx2")]
    [InlineData("Avx512")]
    public void Float16_subnormals_signed_zeros_and_the_largest_half_widen_exactly(string instructions)
    {
        // One row per special value, each alone in its row so the sum is that value times x = 1.
        float[] specials = [5.9604645e-8f, -5.9604645e-8f, 6.0975552e-5f, 6.1035156e-5f, -0f, 0f, 65504f, -65504f, 1f, -2.5f, 3.0517578e-5f];
        using var weight = tensor(specials, dtype: ScalarType.Float32).view(specials.Length, 1).to_type(ScalarType.Float16).expand(specials.Length, 33).contiguous();
        using var x = zeros([1, 33], dtype: ScalarType.Float16);
        x[0, 32] = tensor(1f, dtype: ScalarType.Float16);
        var before = CpuGemv.InstructionSet;
        CpuGemv.InstructionSet = Enum.Parse<GemvInstructionSet>(instructions);
        try
        {
            using var actual = CpuGemv.TryLinear(x, weight, null);
            Assert.NotNull(actual);
            var expected = weight[.., 32].to_type(ScalarType.Float32).data<float>().ToArray();
            Assert.Equal(expected, actual!.to_type(ScalarType.Float32).data<float>().ToArray());
        }
        finally
        {
            CpuGemv.InstructionSet = before;
        }
    }

    [Fact]
    public void Several_projections_of_one_input_equal_each_computed_alone()
    {
        using var generator = new Generator(5);
        using var x = randn([1, 1, 96], generator: generator).to_type(ScalarType.BFloat16);
        using var q = randn([96, 96], generator: generator).to_type(ScalarType.BFloat16);
        using var k = randn([32, 96], generator: generator).to_type(ScalarType.BFloat16);
        using var v = randn([33, 96], generator: generator).to_type(ScalarType.BFloat16);
        using var b = randn([33], generator: generator).to_type(ScalarType.BFloat16);

        var together = CpuGemv.TryLinear(x, [(q, null), (k, null), (v, b)]);

        Assert.NotNull(together);
        Assert.Equal(3, together!.Length);
        foreach (var (output, weight, bias) in new[] { (together[0], q, (Tensor?)null), (together[1], k, null), (together[2], v, b) })
        {
            using var alone = CpuGemv.TryLinear(x, weight, bias);
            Assert.Equal([1L, 1, weight.shape[0]], output.shape);
            Assert.True(alone!.equal(output).all().item<bool>());
            output.Dispose();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Any_thread_count_gives_the_same_result(int threads)
    {
        using var generator = new Generator(9);
        using var weight = randn([1003, 77], generator: generator);
        using var x = randn([1, 77], generator: generator);
        using var single = WithThreads(1, () => CpuGemv.TryLinear(x, weight, null)!);
        using var split = WithThreads(threads, () => CpuGemv.TryLinear(x, weight, null)!);
        Assert.True(single.equal(split).all().item<bool>());
    }

    [Fact]
    public void It_steps_aside_where_it_does_not_apply()
    {
        using var weight = randn([512, 64]);
        using var two = randn([1, 2, 64]);
        using var one = randn([1, 1, 64]);
        using var trainable = randn([1, 1, 64]).requires_grad_();
        using var infinite = weight.to_type(ScalarType.Float16);
        infinite[3, 5] = tensor(float.PositiveInfinity, dtype: ScalarType.Float16);
        using var nan = weight.to_type(ScalarType.Float16);
        nan[7, 1] = tensor(float.NaN, dtype: ScalarType.Float16);

        Assert.Null(CpuGemv.TryLinear(two, weight, null));                         // a prompt, not a decode step
        Assert.Null(CpuGemv.TryLinear(one, weight.to_type(ScalarType.Float64), null)); // no FP64 kernel
        Assert.Null(CpuGemv.TryLinear(one.to_type(ScalarType.BFloat16), weight, null)); // dtypes differ
        Assert.Null(CpuGemv.TryLinear(trainable, weight, null));                   // autograd needs libtorch's op
        Assert.Null(CpuGemv.TryLinear(one, weight.t().contiguous().t(), null));    // a transposed view is not contiguous
        Assert.Null(CpuGemv.TryLinear(one.to_type(ScalarType.Float16), infinite, null)); // the half widening is exact only for finite values
        Assert.Null(CpuGemv.TryLinear(one.to_type(ScalarType.Float16), nan, null));
        using var finite = CpuGemv.TryLinear(one.to_type(ScalarType.Float16), weight.to_type(ScalarType.Float16), null);
        Assert.NotNull(finite);
    }

    [Theory]
    [InlineData(DType.Float32, 1e-4)]
    [InlineData(DType.BFloat16, 0.1)]
    [InlineData(DType.Float16, 0.02)]
    public void A_decoder_decodes_what_libtorch_decodes(DType dtype, double tolerance)
    {
        using var tiny = TinyModelFactory.Create("llama", new TinyModelOptions { VocabSize = 1024 });
        using var lm = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, dtype);
        var options = new GenerationOptions { MaxNewTokens = 8, CaptureLogits = true };

        var kernels = lm.Generate(ModelTestData.Prompt, options);
        CpuGemv.Enabled = false;
        try
        {
            var plain = lm.Generate(ModelTestData.Prompt, options);
            Assert.Equal(plain.Tokens, kernels.Tokens);
            var difference = plain.Logits!.Zip(kernels.Logits!, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
            Assert.True(difference < tolerance, $"max |Δlogit| = {difference}");
        }
        finally
        {
            CpuGemv.Enabled = true;
        }
    }

    private static Tensor WithThreads(int threads, Func<Tensor> run)
    {
        var before = CpuThreads.Current;
        CpuThreads.Set(threads);
        try
        {
            return run();
        }
        finally
        {
            CpuThreads.Set(before);
        }
    }

    private static void Check(ScalarType dtype, GemvInstructionSet instructions, int rows, int columns, bool withBias)
    {
        using var generator = new Generator((ulong)((rows * 7919) + columns));
        using var weight = randn([rows, columns], generator: generator).to_type(dtype);
        using var bias = withBias ? randn([rows], generator: generator).to_type(dtype) : null;
        using var x = randn([1, 1, columns], generator: generator).to_type(dtype);
        var before = CpuGemv.InstructionSet;
        CpuGemv.InstructionSet = instructions;
        Tensor? actual;
        try
        {
            actual = CpuGemv.TryLinear(x, weight, bias);
        }
        finally
        {
            CpuGemv.InstructionSet = before;
        }

        using (actual)
        {
            Assert.NotNull(actual);
            Assert.Equal(dtype, actual!.dtype);
            Assert.Equal([1L, 1, rows], actual.shape);
            var w = weight.to_type(ScalarType.Float64).data<double>().ToArray();
            var v = x.to_type(ScalarType.Float64).data<double>().ToArray();
            var b = bias?.to_type(ScalarType.Float64).data<double>().ToArray();
            var got = actual.to_type(ScalarType.Float64).data<double>().ToArray();
            // One rounding to the dtype (half an ulp, an ulp when FP32 accumulation lands the sum across a rounding
            // boundary) plus FP32 accumulation error, bounded by columns · 2⁻²⁴ · Σ|w·x|.
            var ulp = dtype switch { ScalarType.BFloat16 => Math.Pow(2, -7), ScalarType.Float16 => Math.Pow(2, -10), _ => Math.Pow(2, -23) };
            for (var r = 0; r < rows; r++)
            {
                double sum = 0, magnitude = 0;
                for (var i = 0; i < columns; i++)
                {
                    sum += w[(r * columns) + i] * v[i];
                    magnitude += Math.Abs(w[(r * columns) + i] * v[i]);
                }

                sum += b?[r] ?? 0;
                magnitude += Math.Abs(b?[r] ?? 0);
                var bound = (ulp * Math.Abs(sum)) + ((columns + 1) * Math.Pow(2, -24) * magnitude) + 1e-30;
                Assert.True(Math.Abs(got[r] - sum) <= bound, $"{dtype} {instructions} row {r}: {got[r]} vs {sum} (bound {bound})");
            }
        }
    }
}
