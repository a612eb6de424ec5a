using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>The gated MLP: <c>down(act(gate(x)) · up(x))</c> — SwiGLU with SiLU, GeGLU with GELU.</summary>
internal sealed class Mlp
{
    private readonly Projection _gate;
    private readonly Projection _up;
    private readonly Projection _down;
    private readonly MlpActivation _activation;

    public Mlp(Projection gate, Projection up, Projection down, MlpActivation activation)
    {
        _gate = gate;
        _up = up;
        _down = down;
        _activation = activation;
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gateUp = Projection.ForwardTogether(x, _gate, _up);
        var gate = gateUp[0];
        if (_activation == MlpActivation.Silu && DecodeOps.SiluTimes(gate, gateUp[1]) is { } fused)
        {
            return _down.Forward(fused).MoveToOuterDisposeScope();
        }

        var activated = _activation switch
        {
            MlpActivation.Silu => F.silu(gate),
            MlpActivation.GeluTanh => F.gelu(gate, TorchSharp.Modules.GELU.Approximate.tanh),
            _ => F.gelu(gate),
        };
        var hidden = activated * gateUp[1];
        return _down.Forward(hidden).MoveToOuterDisposeScope();
    }
}
