using PrecisionAnalyzers.Runtime.Configuration;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Rotary position embedding in the "rotate half" layout. Frequencies, angles, cos and sin are computed in FP32 and
/// cast to the activation dtype only at the end, as the reference does. Scaling: <c>default</c>, <c>linear</c>, <c>llama3</c>.
/// </summary>
internal sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _inverseFrequencies;

    public RotaryEmbedding(RopeParameters rope, long headDim, Device device)
    {
        Parameters = rope;
        var frequencies = InverseFrequencies(rope, headDim);
        _inverseFrequencies = tensor(frequencies, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
    }

    public RopeParameters Parameters { get; }

    /// <summary>The inverse frequencies <c>1/θ^(2i/d)</c>, after the configured scaling.</summary>
    public static float[] InverseFrequencies(RopeParameters rope, long headDim)
    {
        var half = (int)(headDim / 2);
        var result = new float[half];
        for (var i = 0; i < half; i++)
        {
            var exponent = (float)(2 * i) / headDim;
            result[i] = (float)(1.0 / Math.Pow(rope.Theta, exponent));
        }

        switch (rope.Type)
        {
            case "default":
                break;
            case "linear":
                var factor = rope.Factor ?? 1.0;
                for (var i = 0; i < half; i++)
                {
                    result[i] = (float)(result[i] / factor);
                }

                break;
            case "llama3":
                ApplyLlama3(rope, result);
                break;
            default:
                throw new Diagnostics.UnsupportedModelException(RuntimeSupport.UnknownRope(rope.Type) + ".");
        }

        return result;
    }

    /// <summary>(cos, sin) of shape [positions, head_dim] in <paramref name="dtype"/> for absolute <paramref name="positions"/> (int64).</summary>
    public (Tensor Cos, Tensor Sin) CosSin(Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var angles = positions.to_type(ScalarType.Float32).outer(_inverseFrequencies);
        var both = cat([angles, angles], -1);
        var cos = both.cos().to_type(dtype);
        var sin = both.sin().to_type(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>Rotates <paramref name="x"/> [batch, heads, seq, head_dim] by the angles of (cos, sin).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        var rotated = cat([second.neg(), first], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }

    public void Dispose() => _inverseFrequencies.Dispose();

    // Llama 3.1: long wavelengths are divided by the factor, short ones kept, the band between interpolated smoothly.
    private static void ApplyLlama3(RopeParameters rope, float[] frequencies)
    {
        var factor = rope.Factor ?? throw new Diagnostics.UnsupportedModelException("llama3 RoPE scaling needs 'factor'.");
        var low = rope.LowFreqFactor ?? 1.0;
        var high = rope.HighFreqFactor ?? 4.0;
        var original = (double)(rope.OriginalMaxPositionEmbeddings ?? 8192);
        var lowWavelength = original / low;
        var highWavelength = original / high;
        for (var i = 0; i < frequencies.Length; i++)
        {
            double f = frequencies[i];
            var wavelength = 2 * Math.PI / f;
            if (wavelength > lowWavelength)
            {
                f /= factor;
            }
            else if (wavelength >= highWavelength)
            {
                var smooth = (original / wavelength - low) / (high - low);
                f = (1 - smooth) * f / factor + smooth * f;
            }

            frequencies[i] = (float)f;
        }
    }
}
