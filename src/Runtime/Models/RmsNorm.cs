using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>Root-mean-square norm over the last dimension, computed in FP32 whatever the activation dtype.</summary>
internal sealed class RmsNorm
{
    private readonly Tensor _weight;
    private readonly double _epsilon;
    private readonly NormStyle _style;

    public RmsNorm(Tensor weight, double epsilon, NormStyle style)
    {
        _weight = weight;
        _epsilon = epsilon;
        _style = style;
    }

    public Tensor Forward(Tensor x)
    {
        if (DecodeOps.RmsNorm(x, _weight, _epsilon, _style) is { } fused)
        {
            return fused;
        }

        using var scope = NewDisposeScope();
        var x32 = x.to_type(ScalarType.Float32);
        var normalised = x32 * (x32.square().mean([-1L], keepdim: true) + _epsilon).rsqrt();
        var result = _style switch
        {
            NormStyle.CastThenScale => normalised.to_type(x.dtype) * _weight,
            _ => (normalised * (_weight.to_type(ScalarType.Float32) + 1.0)).to_type(x.dtype),
        };
        return result.MoveToOuterDisposeScope();
    }
}
