using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Quantization;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// A decoder-only language model of any registered family, with its weights in one dtype on one device.
/// Built from a <see cref="ModelConfig"/> and a weight source; <see cref="Forward"/> maps token ids to logits, with or
/// without a <see cref="KvCache"/>.
/// </summary>
public sealed class DecoderModel : IDisposable
{
    private readonly Dictionary<string, Tensor> _weights;
    private readonly Dictionary<string, QuantizedWeight> _quantized;
    private readonly Tensor? _embedding;
    private readonly QuantizedWeight? _quantizedEmbedding;
    private readonly Tensor? _head;
    private readonly QuantizedWeight? _quantizedHead;
    private readonly RmsNorm _finalNorm;
    private readonly DecoderLayer[] _layers;
    private readonly RotaryEmbedding[] _ropes;
    private readonly double? _finalSoftcap;
    private readonly ILogger _logger;
    private bool _disposed;

    private DecoderModel(ModelConfig config, DecoderFamily family, DType dtype, Device device, WeightPlan plan, Dictionary<string, Tensor> weights, Dictionary<string, QuantizedWeight> quantized, WeightQuantization quantization, ILogger logger)
    {
        _logger = logger;
        _quantized = quantized;
        Quantization = quantization;
        Config = config;
        Family = family;
        Dtype = dtype;
        Device = device;
        _weights = weights;
        var norm = family.NormStyle;
        var eps = config.NormEpsilon;
        Tensor W(string name) => weights[name];
        Tensor? Optional(string name) => weights.TryGetValue(name, out var t) ? t : null;

        _quantizedEmbedding = quantized.GetValueOrDefault(plan.Body("embed_tokens.weight"));
        _embedding = _quantizedEmbedding is null ? W(plan.Body("embed_tokens.weight")) : null;
        _quantizedHead = config.TieWordEmbeddings ? _quantizedEmbedding : quantized.GetValueOrDefault(plan.Layout.HeadName);
        _head = _quantizedHead is not null ? null : config.TieWordEmbeddings ? _embedding : W(plan.Layout.HeadName);
        _finalNorm = new RmsNorm(W(plan.Body("norm.weight")), eps, norm);
        _finalSoftcap = family.FinalLogitSoftcap(config);

        var ropes = new Dictionary<RopeParameters, RotaryEmbedding>();
        var activation = family.Activation(config);
        var projections = new List<Projection>();
        _layers = new DecoderLayer[config.NumHiddenLayers];
        for (var i = 0; i < _layers.Length; i++)
        {
            string L(string name) => plan.LayerName(i, name);
            var ropeParameters = family.Rope(config, i);
            if (!ropes.TryGetValue(ropeParameters, out var rope))
            {
                rope = new RotaryEmbedding(ropeParameters, config.HeadDim, device);
                ropes.Add(ropeParameters, rope);
            }

            Projection P(string module)
            {
                var projection = quantized.TryGetValue(L(module + ".weight"), out var q)
                    ? new Projection(L(module), q, Optional(L(module + ".bias")))
                    : new Projection(L(module), W(L(module + ".weight")), Optional(L(module + ".bias")));
                projections.Add(projection);
                return projection;
            }

            var attention = new Attention(
                new AttentionWeights(P("self_attn.q_proj"), P("self_attn.k_proj"), P("self_attn.v_proj"), P("self_attn.o_proj")),
                config.NumAttentionHeads,
                config.NumKeyValueHeads,
                config.HeadDim,
                family.AttentionScale(config),
                family.AttentionSoftcap(config),
                family.Window(config, i),
                family.QkNorm ? new RmsNorm(W(L("self_attn.q_norm.weight")), eps, norm) : null,
                family.QkNorm ? new RmsNorm(W(L("self_attn.k_norm.weight")), eps, norm) : null);
            var mlp = new Mlp(P("mlp.gate_proj"), P("mlp.up_proj"), P("mlp.down_proj"), activation);
            _layers[i] = new DecoderLayer(
                i,
                new RmsNorm(W(L("input_layernorm.weight")), eps, norm),
                attention,
                new RmsNorm(W(L("post_attention_layernorm.weight")), eps, norm),
                family.SandwichNorms ? new RmsNorm(W(L("pre_feedforward_layernorm.weight")), eps, norm) : null,
                family.SandwichNorms ? new RmsNorm(W(L("post_feedforward_layernorm.weight")), eps, norm) : null,
                mlp,
                rope);
        }

        _ropes = ropes.Values.ToArray();
        Projections = projections;
    }

    public ModelConfig Config { get; }

    public DecoderFamily Family { get; }

    /// <summary>The dtype of activations, and of every weight not quantized.</summary>
    public DType Dtype { get; }

    /// <summary>The block format of the layers' projections (and the LM head when <see cref="QuantizedLmHead"/>), or None.</summary>
    public WeightQuantization Quantization { get; }

    /// <summary>Whether the LM head is quantized too (and, when tied, the embedding table it shares).</summary>
    public bool QuantizedLmHead => _quantizedHead is not null;

    /// <summary>Bytes of every weight the model holds: the unquantized ones in <see cref="Dtype"/> plus the quantized blocks.</summary>
    public long WeightBytes => _weights.Values.Sum(t => t.numel() * t.ElementSize) + _quantized.Values.Sum(q => q.Bytes);

    public Device Device { get; }

    /// <summary>True in training mode: no cache is ever built.</summary>
    public bool IsTraining { get; private set; }

    /// <summary>The unquantized weights by Hugging Face name, in <see cref="Dtype"/> (owned by the model); quantized ones are in <see cref="Projections"/>.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict => _weights;

    /// <summary>Every linear projection of every layer, in layer order (q, k, v, o, gate, up, down), where LoRA adapters attach.</summary>
    public IReadOnlyList<Projection> Projections { get; }

    /// <summary>The attention window of each layer (null for full attention).</summary>
    public IReadOnlyList<long?> Windows => _layers.Select(layer => layer.Window).ToArray();

    /// <summary>
    /// Builds the model: checks every weight name and shape first (one <see cref="WeightMappingException"/> listing all
    /// problems), then reads each weight in <paramref name="dtype"/> onto <paramref name="device"/>.
    /// </summary>
    /// <remarks>
    /// With <paramref name="quantization"/> Int8 or Int4, every projection of every layer (and the untied LM head with
    /// <paramref name="quantizeLmHead"/>) is read in FP32 on the CPU one tensor at a time, quantized, and only the blocks are
    /// kept, so peak memory stays close to the quantized model's size.
    /// </remarks>
    public static DecoderModel Build(ModelConfig config, IWeightSource weights, DType dtype, Device? device = null, ILogger? logger = null, CancellationToken cancellationToken = default, WeightQuantization quantization = WeightQuantization.None, bool quantizeLmHead = false)
    {
        if (quantization is not (WeightQuantization.None or WeightQuantization.Int8 or WeightQuantization.Int4))
        {
            throw new ArgumentException("WeightQuantization.Auto must be resolved by the planner before a model is built.", nameof(quantization));
        }

        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        TorchSharpLoader.EnsureLoaded(logger);
        logger ??= NullLogger.Instance;
        var scalarType = ScalarTypeOf(dtype);
        device ??= CPU;
        var plan = WeightPlan.For(config, weights);
        plan.Validate(weights);

        var loaded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var quantized = new Dictionary<string, QuantizedWeight>(StringComparer.Ordinal);
        try
        {
            using var noGrad = no_grad();
            foreach (var name in plan.Expected.Keys)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (quantization != WeightQuantization.None && (IsLayerProjection(plan, name) || (quantizeLmHead && name == (config.TieWordEmbeddings ? plan.Body("embed_tokens.weight") : plan.Layout.HeadName))))
                {
                    var shape = plan.Expected[name];
                    quantized[name] = QuantizedWeight.Quantize(shape[0], shape[1], quantization, device, () => plan.Load(weights, name, ScalarType.Float32, CPU));
                }
                else
                {
                    loaded[name] = plan.Load(weights, name, scalarType, device);
                }
            }

            var model = new DecoderModel(config, plan.Family, dtype, device, plan, loaded, quantized, quantization, logger);
            logger.LogInformation("Built {ModelType} decoder: {Layers} layers, {Weights} weights in {Dtype} on {Device}.", config.ModelType, config.NumHiddenLayers, loaded.Count, dtype, device);
            return model;
        }
        catch
        {
            foreach (var tensor in loaded.Values)
            {
                tensor.Dispose();
            }

            foreach (var weight in quantized.Values)
            {
                weight.Dispose();
            }

            throw;
        }
    }

    // The matrices of the layers' linear projections (q/k/v/o, gate/up/down); norms, biases and embeddings are not.
    private static bool IsLayerProjection(WeightPlan plan, string name) =>
        name.EndsWith("_proj.weight", StringComparison.Ordinal) && name.StartsWith(plan.Body("layers."), StringComparison.Ordinal);

    /// <summary>The TorchSharp scalar type of a concrete <see cref="DType"/>.</summary>
    public static ScalarType ScalarTypeOf(DType dtype) => dtype switch
    {
        DType.Float32 => ScalarType.Float32,
        DType.Float16 => ScalarType.Float16,
        DType.BFloat16 => ScalarType.BFloat16,
        _ => throw new ArgumentException("DType.Auto must be resolved by the planner before a model is built.", nameof(dtype)),
    };

    /// <summary>Training mode: <see cref="CreateCache"/> refuses with PREC105.</summary>
    public void Train() => IsTraining = true;

    public void Eval() => IsTraining = false;

    /// <summary>A new, empty cache for one generation; in training mode none is built and a PREC105 warning is added.</summary>
    public KvCache? CreateCache(ICollection<PrecisionWarning>? warnings = null)
    {
        if (IsTraining)
        {
            warnings?.Add(new PrecisionWarning(
                RuntimeCodes.CacheDisabledForTraining,
                "a key/value cache was asked for in training mode and was not built; the forward pass runs without one."));
            return null;
        }

        return new KvCache(Windows);
    }

    /// <summary>
    /// Logits for <paramref name="inputIds"/> [batch, seq] (int64) in the model dtype: [batch, seq, vocab], or
    /// [batch, 1, vocab] with <paramref name="lastPositionOnly"/>. With a cache the ids continue the cached positions
    /// and the cache advances; without one they start at position 0.
    /// </summary>
    public Tensor Forward(Tensor inputIds, KvCache? cache = null, OverflowGuard? guard = null, bool lastPositionOnly = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsTraining && cache is not null)
        {
            // Training never uses a cache: one made before Train() is ignored, not filled.
            _logger.LogWarning("{Code}: a key/value cache was passed in training mode and is ignored.", RuntimeCodes.CacheDisabledForTraining);
            cache = null;
        }

        using var scope = NewDisposeScope();
        var batch = inputIds.shape[0];
        var seq = inputIds.shape[1];
        var start = cache?.Length ?? 0;
        var scalarType = ScalarTypeOf(Dtype);

        var rows = inputIds.to(Device).flatten();
        var hidden = Embed(rows, scalarType).view(batch, seq, Config.HiddenSize);
        if (Family.ScalesEmbeddings)
        {
            // The reference rounds √hidden to the hidden dtype before multiplying (√3072 = 55.43 becomes 55.5 in BF16).
            hidden = hidden * tensor(Math.Sqrt(Config.HiddenSize), dtype: scalarType, device: Device);
        }

        var positions = arange(start, start + seq, dtype: ScalarType.Int64, device: Device);
        var angles = _ropes.ToDictionary(rope => rope, rope => rope.CosSin(positions, scalarType));
        for (var i = 0; i < _layers.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layer = _layers[i];
            var (cos, sin) = angles[layer.Rope];
            hidden = layer.Forward(hidden, start, cos, sin, cache?.Layer(i));
            guard?.Check(hidden, i, start, $"decoder layer {i}");
        }

        var first = start;
        if (lastPositionOnly && seq > 1)
        {
            hidden = hidden.narrow(1, seq - 1, 1);
            first = start + seq - 1;
        }

        var normed = _finalNorm.Forward(hidden);
        var logits = Head(normed);
        if (_finalSoftcap is { } cap)
        {
            logits = (logits / cap).tanh() * cap;
        }

        guard?.Check(logits, _layers.Length, first, "the final norm and LM head");
        cache?.Advance(seq);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>The embedding rows of <paramref name="ids"/>, from the quantized table when the plan quantized it.</summary>
    private Tensor Embed(Tensor ids, ScalarType scalarType) =>
        _quantizedEmbedding?.Lookup(ids, scalarType) ?? _embedding!.index_select(0, ids);

    /// <summary>The LM head over <paramref name="normed"/>: quantized, the decode GEMV, or libtorch's linear.</summary>
    private Tensor Head(Tensor normed) =>
        _quantizedHead is not null ? _quantizedHead.Linear(normed, null) : CpuGemv.TryLinear(normed, _head!, null) ?? F.linear(normed, _head!);

    /// <summary>
    /// One decode step of several independent sequences: <paramref name="tokenIds"/> holds each sequence's newest token,
    /// <paramref name="caches"/> its own cache (any lengths). Returns the logits of the next position, [rows, vocab], in
    /// the model dtype, and advances every cache by one. The linear layers run on all rows together; attention runs on
    /// each row's own cache, so a row's logits match what it would get decoded alone.
    /// </summary>
    public Tensor ForwardDecode(IReadOnlyList<int> tokenIds, IReadOnlyList<KvCache> caches, OverflowGuard? guard = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        ArgumentNullException.ThrowIfNull(caches);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tokenIds.Count == 0 || tokenIds.Count != caches.Count)
        {
            throw new ArgumentException($"A decode step needs one cache per token and at least one token; got {tokenIds.Count} tokens and {caches.Count} caches.", nameof(caches));
        }

        if (IsTraining)
        {
            throw new InvalidOperationException($"{RuntimeCodes.CacheDisabledForTraining}: batched decoding needs key/value caches, which training mode does not build.");
        }

        using var scope = NewDisposeScope();
        var rows = tokenIds.Count;
        var scalarType = ScalarTypeOf(Dtype);
        var ids = tensor(tokenIds.Select(id => (long)id).ToArray(), dtype: ScalarType.Int64).to(Device);
        var hidden = Embed(ids, scalarType).view(rows, 1, Config.HiddenSize);
        if (Family.ScalesEmbeddings)
        {
            hidden = hidden * tensor(Math.Sqrt(Config.HiddenSize), dtype: scalarType, device: Device);
        }

        var starts = caches.Select(cache => cache.Length).ToArray();
        var positions = tensor(starts, dtype: ScalarType.Int64).to(Device);
        var angles = _ropes.ToDictionary(rope => rope, rope => rope.CosSin(positions, scalarType));
        for (var i = 0; i < _layers.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layer = _layers[i];
            var (cos, sin) = angles[layer.Rope];
            var layerCaches = caches.Select(cache => cache.Layer(i)).ToArray();
            hidden = layer.ForwardDecode(hidden, starts, cos, sin, layerCaches);
            guard?.Check(hidden, i, 0, $"decoder layer {i}");
        }

        var normed = _finalNorm.Forward(hidden);
        var logits = Head(normed);
        if (_finalSoftcap is { } cap)
        {
            logits = (logits / cap).tanh() * cap;
        }

        guard?.Check(logits, _layers.Length, 0, "the final norm and LM head");
        foreach (var cache in caches)
        {
            cache.Advance(1);
        }

        return logits.view(rows, -1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var rope in _ropes)
        {
            rope.Dispose();
        }

        foreach (var tensor in _weights.Values)
        {
            tensor.Dispose();
        }

        foreach (var weight in _quantized.Values)
        {
            weight.Dispose();
        }
    }
}
