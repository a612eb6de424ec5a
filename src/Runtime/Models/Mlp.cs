using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>The gated MLP: <c>down(act(gate(x)) · up(x))</c> — SwiGLU with SiLU, GeGLU with GELU.</summary>
internal sealed class Mlp
{
    private readonly Tensor _gate;
    private readonly Tensor _up;
    private readonly Tensor _down;
    private readonly Tensor? _gateBias;
    private readonly Tensor? _upBias;
    private readonly Tensor? _downBias;
    private readonly MlpActivation _activation;

    public Mlp(Tensor gate, Tensor up, Tensor down, Tensor? gateBias, Tensor? upBias, Tensor? downBias, MlpActivation activation)
    {
        _gate = gate;
        _up = up;
        _down = down;
        _gateBias = gateBias;
        _upBias = upBias;
        _downBias = downBias;
        _activation = activation;
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gate = F.linear(x, _gate, _gateBias);
        var activated = _activation switch
        {
            MlpActivation.Silu => F.silu(gate),
            MlpActivation.GeluTanh => F.gelu(gate, TorchSharp.Modules.GELU.Approximate.tanh),
            _ => F.gelu(gate),
        };
        var hidden = activated * F.linear(x, _up, _upBias);
        return F.linear(hidden, _down, _downBias).MoveToOuterDisposeScope();
    }
}
