using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

/// <summary>The managed one-token ops against the libtorch chains they replace, in each dtype, at odd widths.</summary>
[Collection(CpuGemvCollection.Name)]
public sealed class DecodeOpsTests
{
    public DecodeOpsTests() => TorchSharpLoader.EnsureLoaded();

    public static TheoryData<ScalarType, int> DtypesAndWidths()
    {
        var data = new TheoryData<ScalarType, int>();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16 })
        {
            foreach (var width in new[] { 2, 6, 34, 768 })
            {
                data.Add(dtype, width);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DtypesAndWidths))]
    public void RmsNorm_matches_the_libtorch_chain(ScalarType dtype, int width)
    {
        using var generator = new Generator((ulong)width);
        using var x = (randn([1, 1, width], generator: generator) * 3).to_type(dtype);
        using var weight = randn([width], generator: generator).to_type(dtype);
        foreach (var style in new[] { NormStyle.CastThenScale, NormStyle.OnePlusWeightInFloat32 })
        {
            var norm = new RmsNorm(weight, 1e-6, style);
            using var fused = norm.Forward(x);
            using var chain = WithoutDecodeOps(() => norm.Forward(x));
            // The mean is summed in another order: the FP32 result may differ in its last bits, the rounded one by an ulp.
            AssertClose(chain, fused, dtype, relative: dtype == ScalarType.Float32 ? 1e-6 : Ulp(dtype));
        }
    }

    [Theory]
    [MemberData(nameof(DtypesAndWidths))]
    public void Rope_matches_the_libtorch_chain_exactly(ScalarType dtype, int width)
    {
        using var generator = new Generator((ulong)(width + 1));
        using var x = randn([1, 3, 1, width], generator: generator).to_type(dtype);
        using var angles = randn([1, width], generator: generator);
        using var cos = angles.cos().to_type(dtype);
        using var sin = angles.sin().to_type(dtype);

        using var fused = DecodeOps.Rope(x, cos, sin);
        using var chain = RotaryEmbedding.Apply(x, cos, sin);

        Assert.NotNull(fused);
        Assert.True(chain.equal(fused!).all().item<bool>());
    }

    [Theory]
    [MemberData(nameof(DtypesAndWidths))]
    public void Silu_times_up_matches_the_libtorch_chain(ScalarType dtype, int width)
    {
        using var generator = new Generator((ulong)(width + 2));
        using var gate = (randn([1, 1, width], generator: generator) * 4).to_type(dtype);
        using var up = randn([1, 1, width], generator: generator).to_type(dtype);

        using var fused = DecodeOps.SiluTimes(gate, up);
        using var chain = F.silu(gate) * up;

        Assert.NotNull(fused);
        // exp differs from libtorch's vectorised one in the last FP32 bit, which may move a rounding by an ulp.
        AssertClose(chain, fused!, dtype, relative: dtype == ScalarType.Float32 ? 1e-6 : 2 * Ulp(dtype));
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void The_finite_check_finds_infinities_and_NaN(ScalarType dtype)
    {
        using var x = randn([1, 1, 37]).to_type(dtype);
        Assert.True(DecodeOps.AllFinite(x));
        x[0, 0, 36] = tensor(float.NegativeInfinity).to_type(dtype);
        Assert.False(DecodeOps.AllFinite(x));
        x[0, 0, 36] = tensor(float.NaN).to_type(dtype);
        Assert.False(DecodeOps.AllFinite(x));
    }

    [Fact]
    public void Prompts_and_strided_views_stay_with_libtorch()
    {
        using var rows = randn([1, 2, 8]);
        using var weight = ones([8]);
        using var strided = randn([1, 3, 8, 2]).transpose(2, 3);
        using var angles = ones([1, 8]);
        Assert.Null(DecodeOps.RmsNorm(rows, weight, 1e-6, NormStyle.CastThenScale));
        Assert.Null(DecodeOps.Rope(strided, angles, angles));
        Assert.Null(DecodeOps.SiluTimes(rows, rows));
    }

    private static double Ulp(ScalarType dtype) => dtype == ScalarType.BFloat16 ? Math.Pow(2, -7) : Math.Pow(2, -10);

    private static void AssertClose(Tensor expected, Tensor actual, ScalarType dtype, double relative)
    {
        Assert.Equal(dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.to_type(ScalarType.Float64).data<double>().ToArray();
        var a = actual.to_type(ScalarType.Float64).data<double>().ToArray();
        for (var i = 0; i < e.Length; i++)
        {
            Assert.True(Math.Abs(e[i] - a[i]) <= (relative * Math.Abs(e[i])) + 1e-7, $"{dtype} [{i}]: {a[i]} vs {e[i]}");
        }
    }

    private static Tensor WithoutDecodeOps(Func<Tensor> run)
    {
        CpuGemv.Enabled = false;
        try
        {
            return run();
        }
        finally
        {
            CpuGemv.Enabled = true;
        }
    }
}
