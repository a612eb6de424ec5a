using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>
/// A BERT-style encoder (bert, roberta, xlm-roberta): word + position + token-type embeddings and LayerNorm, then
/// post-norm layers of self-attention and a GELU feed-forward block. Matrix products run in <see cref="Dtype"/>;
/// LayerNorm and the attention softmax run in float32, and the output is float32.
/// </summary>
public sealed class BertEncoder : IDisposable
{
    private readonly Dictionary<string, Tensor> _weights;
    private readonly long _heads;
    private readonly long _headDim;
    private bool _disposed;

    private BertEncoder(EncoderConfig config, DType dtype, Device device, Dictionary<string, Tensor> weights)
    {
        Config = config;
        Dtype = dtype;
        Device = device;
        _weights = weights;
        _heads = config.Model.NumAttentionHeads;
        _headDim = config.Model.HiddenSize / _heads;
    }

    public EncoderConfig Config { get; }

    /// <summary>The dtype of the weights and of the matrix products.</summary>
    public DType Dtype { get; }

    public Device Device { get; }

    /// <summary>The hidden size: the width of each token embedding.</summary>
    public long HiddenSize => Config.Model.HiddenSize;

    /// <summary>
    /// Checks every weight name and shape first (one <see cref="WeightMappingException"/> listing all problems), then reads
    /// each weight: LayerNorm parameters in float32, everything else in <paramref name="dtype"/>.
    /// </summary>
    public static BertEncoder Build(EncoderConfig config, IWeightSource weights, DType dtype, Device? device = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        TorchSharpLoader.EnsureLoaded(logger);
        logger ??= NullLogger.Instance;
        device ??= CPU;
        var scalarType = DecoderModel.ScalarTypeOf(dtype);
        if (config.Model.HiddenSize % config.Model.NumAttentionHeads != 0)
        {
            throw new ArgumentException($"hidden_size {config.Model.HiddenSize} is not divisible by num_attention_heads {config.Model.NumAttentionHeads}.", nameof(config));
        }

        var map = EncoderWeightMap.For(config, weights);
        var loaded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var noGrad = no_grad();
            foreach (var name in map.Expected.Keys)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var type = name.Contains("LayerNorm.", StringComparison.Ordinal) ? ScalarType.Float32 : scalarType;
                loaded[name] = weights.Get(map.SourceName(name), type, device);
            }

            logger.LogInformation("Built {ModelType} encoder: {Layers} layers, hidden {Hidden}, {Weights} weights in {Dtype} on {Device}.", config.Model.ModelType, config.Model.NumHiddenLayers, config.Model.HiddenSize, loaded.Count, dtype, device);
            return new BertEncoder(config, dtype, device, loaded);
        }
        catch
        {
            foreach (var tensor in loaded.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Token embeddings [batch, seq, hidden] in float32 for <paramref name="inputIds"/> [batch, seq] (int64) and
    /// <paramref name="attentionMask"/> [batch, seq] (int64, 1 for tokens, 0 for padding). Token type ids are all 0.
    /// The caller disposes the result.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(attentionMask);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var batch = inputIds.shape[0];
        var seq = inputIds.shape[1];
        var hiddenSize = HiddenSize;
        var ids = inputIds.to(ScalarType.Int64, Device);
        var mask = attentionMask.to(ScalarType.Int64, Device);

        var positions = Config.Family.PositionIds(mask, Config.PadTokenId);
        var hidden = W("embeddings.word_embeddings.weight").index_select(0, ids.flatten()).view(batch, seq, hiddenSize)
            + W("embeddings.position_embeddings.weight").index_select(0, positions.flatten()).view(batch, seq, hiddenSize);
        if (_weights.TryGetValue("embeddings.token_type_embeddings.weight", out var tokenTypes))
        {
            hidden = hidden + tokenTypes[0];
        }

        hidden = Norm(hidden, "embeddings.LayerNorm");

        // Additive mask in float32 [batch, 1, 1, seq]: 0 for tokens, the lowest float for padding keys.
        var bias = mask.eq(0).to(ScalarType.Float32).mul(float.MinValue).view(batch, 1, 1, seq);
        for (var i = 0; i < Config.Model.NumHiddenLayers; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hidden = Layer(i, hidden, bias, batch, seq);
        }

        return hidden.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    private Tensor Layer(int i, Tensor hidden, Tensor bias, long batch, long seq)
    {
        string L(string name) => EncoderWeightMap.Layer(i, name);
        Tensor Heads(Tensor x) => x.view(batch, seq, _heads, _headDim).transpose(1, 2);

        // Scaling the query before the product keeps float16 scores small.
        var query = Heads(Linear(hidden, L("attention.self.query"))) * Math.Pow(_headDim, -0.5);
        var key = Heads(Linear(hidden, L("attention.self.key")));
        var value = Heads(Linear(hidden, L("attention.self.value")));
        var scores = query.matmul(key.transpose(-1, -2)).to(ScalarType.Float32) + bias;
        var probabilities = scores.softmax(-1).to(value.dtype);
        var context = probabilities.matmul(value).transpose(1, 2).reshape(batch, seq, HiddenSize);
        hidden = Norm(Linear(context, L("attention.output.dense")) + hidden, L("attention.output.LayerNorm"));

        var intermediate = Linear(hidden, L("intermediate.dense"));
        intermediate = Config.TanhGelu ? F.gelu(intermediate, TorchSharp.Modules.GELU.Approximate.tanh) : F.gelu(intermediate);
        return Norm(Linear(intermediate, L("output.dense")) + hidden, L("output.LayerNorm"));
    }

    private Tensor Linear(Tensor x, string name) => F.linear(x, W(name + ".weight"), W(name + ".bias"));

    /// <summary>LayerNorm in float32, the result back in the activation dtype.</summary>
    private Tensor Norm(Tensor x, string name) =>
        F.layer_norm(x.to(ScalarType.Float32), [HiddenSize], W(name + ".weight"), W(name + ".bias"), Config.Model.NormEpsilon).to(x.dtype);

    private Tensor W(string name) => _weights[name];

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var tensor in _weights.Values)
        {
            tensor.Dispose();
        }
    }
}
