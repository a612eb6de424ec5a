using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// One pre-norm decoder layer: attention then MLP, each inside a residual. With sandwich norms (Gemma 2/3) each block's
/// output is normalised again before it joins the residual.
/// </summary>
internal sealed class DecoderLayer
{
    private readonly RmsNorm _inputNorm;
    private readonly Attention _attention;
    private readonly RmsNorm _postAttentionNorm;
    private readonly RmsNorm? _preFeedForwardNorm;
    private readonly RmsNorm? _postFeedForwardNorm;
    private readonly Mlp _mlp;

    public DecoderLayer(int index, RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, RmsNorm? preFeedForwardNorm, RmsNorm? postFeedForwardNorm, Mlp mlp, RotaryEmbedding rope)
    {
        Index = index;
        _inputNorm = inputNorm;
        _attention = attention;
        _postAttentionNorm = postAttentionNorm;
        _preFeedForwardNorm = preFeedForwardNorm;
        _postFeedForwardNorm = postFeedForwardNorm;
        _mlp = mlp;
        Rope = rope;
    }

    public int Index { get; }

    public RotaryEmbedding Rope { get; }

    public long? Window => _attention.Window;

    public Tensor Forward(Tensor x, long start, Tensor cos, Tensor sin, LayerKvCache? cache)
    {
        using var scope = NewDisposeScope();
        var attended = _attention.Forward(_inputNorm.Forward(x), start, cos, sin, cache);
        return Finish(x, attended).MoveToOuterDisposeScope();
    }

    /// <summary>One decode step of several sequences, [rows, 1, hidden]: each row at its own position with its own cache.</summary>
    public Tensor ForwardDecode(Tensor x, IReadOnlyList<long> starts, Tensor cos, Tensor sin, IReadOnlyList<LayerKvCache> caches)
    {
        using var scope = NewDisposeScope();
        var attended = _attention.ForwardDecode(_inputNorm.Forward(x), starts, cos, sin, caches);
        return Finish(x, attended).MoveToOuterDisposeScope();
    }

    // The residuals and the MLP after attention.
    private Tensor Finish(Tensor x, Tensor attended)
    {
        var h = _preFeedForwardNorm is null
            ? x + attended
            : x + _postAttentionNorm.Forward(attended);
        var mlpInput = _preFeedForwardNorm is null ? _postAttentionNorm.Forward(h) : _preFeedForwardNorm.Forward(h);
        var fed = _mlp.Forward(mlpInput);
        return _postFeedForwardNorm is null ? h + fed : h + _postFeedForwardNorm.Forward(fed);
    }
}
