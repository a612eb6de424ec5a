using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Hardware;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Planning;
using PrecisionAnalyzers.Runtime.Tokenization;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime;

/// <summary>Progress of <see cref="SentenceEncoder.Encode(IReadOnlyList{string}, int, bool?, string?, IProgress{EncodeProgress}?, CancellationToken)"/>: texts encoded so far, of the total.</summary>
public readonly record struct EncodeProgress(int Encoded, int Total);

/// <summary>
/// A sentence-transformers style embedding model: a BERT-style encoder, pooling, and optional normalisation, loaded in
/// the dtype the planner chooses (on <see cref="DType.Auto"/>, from the checkpoint and the device).
/// </summary>
public sealed class SentenceEncoder : IDisposable
{
    private readonly BertEncoder _model;
    private readonly IEncoderTokenizer _tokenizer;
    private readonly IReadOnlyList<DenseModule> _dense;
    private readonly ILogger _logger;

    private SentenceEncoder(BertEncoder model, IEncoderTokenizer tokenizer, PoolingConfig pooling, IReadOnlyList<DenseModule> dense, bool normalize, (int Count, string Source) maxTokens, PrecisionPlan? plan, ILogger logger, string? folder = null)
    {
        _model = model;
        Folder = folder;
        _dense = dense;
        _tokenizer = tokenizer;
        _logger = logger;
        Pooling = pooling;
        Normalize = normalize;
        MaxTokens = maxTokens.Count;
        MaxTokensSource = maxTokens.Source;
        Plan = plan;
    }

    /// <summary>The sentence-transformers folder the encoder was loaded from (absolute); null for <see cref="FromWeights"/>.</summary>
    public string? Folder { get; }

    public EncoderConfig Config => _model.Config;

    /// <summary>The dtype of the weights and matrix products (LayerNorm and softmax run in float32; embeddings are float32).</summary>
    public DType Dtype => _model.Dtype;

    /// <summary><c>cpu</c> or <c>cuda:N</c>.</summary>
    public string Device => _model.Device.ToString();

    public PoolingConfig Pooling { get; }

    /// <summary>True when the folder ends in a Normalize module: embeddings have unit length unless the caller says otherwise.</summary>
    public bool Normalize { get; }

    /// <summary>Tokens of a text (special tokens included) kept; longer texts are cut (PREC109, see <see cref="Embed"/>).</summary>
    public int MaxTokens { get; }

    /// <summary>Where <see cref="MaxTokens"/> comes from: <c>max_seq_length</c> or <c>max_position_embeddings</c>.</summary>
    public string MaxTokensSource { get; }

    /// <summary>The width of each embedding: the last Dense module's output, else hidden size × pooling modes.</summary>
    public int Dimension => _dense.Count > 0 ? (int)_dense[^1].OutFeatures : PooledDimension;

    /// <summary>The Dense modules applied after pooling (float32), in order.</summary>
    public IReadOnlyList<DenseModule> Dense => _dense;

    private int PooledDimension => (int)_model.HiddenSize * Pooling.Modes.Count;

    /// <summary>The planner's decision when loaded from a folder; null when built from weights.</summary>
    public PrecisionPlan? Plan { get; }

    /// <summary>The PREC1xx warnings of loading (the plan's).</summary>
    public IReadOnlyList<PrecisionWarning> Warnings => Plan?.Warnings ?? [];

    /// <summary>The encoder underneath.</summary>
    public BertEncoder Model => _model;

    /// <summary>Loads the sentence-transformers folder at <paramref name="path"/>.</summary>
    public static SentenceEncoder Load(string path, LoadOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        Load(path, options, logger, null, cancellationToken);

    /// <summary>Loads the sentence-transformers folder at <paramref name="path"/>, reporting the weights read.</summary>
    /// <remarks>
    /// The folder holds <c>modules.json</c> (Transformer, Pooling, Dense modules, optional Normalize), or is a plain transformers folder
    /// (config.json, weights, vocabulary), which gets mean pooling and no normalisation, with a logged warning.
    /// </remarks>
    public static SentenceEncoder Load(string path, LoadOptions? options, ILogger? logger, IProgress<CheckpointProgress>? progress, CancellationToken cancellationToken) =>
        Load(path, options, PlanDevices.From(HardwareProbe.Probe(logger), isLocal: true), logger, progress, cancellationToken);

    /// <summary>Loads for the planner devices <paramref name="devices"/> (this machine's, or a profile in tests).</summary>
    internal static SentenceEncoder Load(string path, LoadOptions? options, IReadOnlyList<PlanDevice> devices, ILogger? logger, IProgress<CheckpointProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(devices);
        logger ??= NullLogger.Instance;
        options ??= new LoadOptions();
        if (options.Quantization is WeightQuantization.Int8 or WeightQuantization.Int4)
        {
            throw new NotSupportedException($"sentence encoders are not quantized ({options.Quantization} was asked for {path}): weight-only quantization covers decoder projections; load the encoder with Quantization None or Auto (which never quantizes an encoder).");
        }

        TorchSharpLoader.EnsureLoaded(logger);
        if (options.Threads is { } threads)
        {
            Models.CpuThreads.Set(threads, logger);
        }

        var modules = SentenceModules.Read(path);
        if (!modules.FromManifest)
        {
            logger.LogWarning("{Path} has no modules.json: loading it as a plain transformer with mean pooling and no normalisation.", path);
        }

        var folder = modules.TransformerPath;
        var config = EncoderConfig.Load(folder);
        var pooling = modules.PoolingPath is null ? PoolingConfig.Mean : PoolingConfig.Load(modules.PoolingPath);
        if (pooling.Dimension is { } width && width != config.Model.HiddenSize)
        {
            throw new SentenceModelException(Path.Combine(modules.PoolingPath!, "config.json"), $"declares an embedding dimension of {width}, but the transformer's hidden_size is {config.Model.HiddenSize}");
        }

        if (!WordPieceTextTokenizer.CanLoad(folder) && !BpeEncoderTokenizer.CanLoad(folder))
        {
            throw new SentenceModelException(folder, "has no tokenizer: neither a WordPiece vocabulary (vocab.txt, or tokenizer.json with a WordPiece model) nor a BPE tokenizer.json");
        }

        if (!Checkpoint.Exists(folder))
        {
            throw new SentenceModelException(folder, $"has no weights ({Checkpoint.SingleFile} or {Checkpoint.IndexFile})");
        }

        IEncoderTokenizer tokenizer;
        try
        {
            tokenizer = WordPieceTextTokenizer.CanLoad(folder)
                ? WordPieceTextTokenizer.Load(folder, logger, cancellationToken)
                : BpeEncoderTokenizer.Load(folder, logger, cancellationToken);
        }
        catch (TokenizerException e)
        {
            throw new SentenceModelException(folder, e.Message, e);
        }

        using var checkpoint = Checkpoint.Open(folder, progress, cancellationToken);
        var request = new PlanRequest(options.Dtype, options.Device, ContextLength: 0, Strict: options.Strict, WeightsDtype: checkpoint.WeightsDtype());
        var plan = new PrecisionPlanner(new MatmulDtypeProbe(), logger).Plan(config.Model, devices, request);
        foreach (var warning in plan.Warnings)
        {
            logger.LogWarning("{Code}: {Message}", warning.Code, warning.Message);
        }

        if (!plan.CanRun)
        {
            var code = plan.Warnings.LastOrDefault()?.Code
                ?? (options.Device is null or "auto" ? RuntimeCodes.DoesNotFit : RuntimeCodes.DeviceNotUsable);
            throw new PrecisionException(code, $"{path} cannot be loaded: {plan.Reasons.LastOrDefault()}");
        }

        logger.LogInformation("Sentence encoder plan: {Dtype} on {Device} ({Reasons}).", plan.Dtype, plan.Device, string.Join("; ", plan.Reasons));
        var maxTokens = ChooseMaxTokens(config, SentenceBertConfig.Load(folder).MaxSeqLength, logger);
        var device = new Device(plan.Device!);
        var dense = new List<DenseModule>();
        try
        {
            var features = config.Model.HiddenSize * pooling.Modes.Count;
            foreach (var densePath in modules.DensePaths)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var module = DenseModule.Load(densePath, device);
                dense.Add(module);
                if (module.InFeatures != features)
                {
                    throw new SentenceModelException(densePath, $"the Dense module takes {module.InFeatures} features, but the module before it gives {features}");
                }

                features = module.OutFeatures;
            }

            var model = BertEncoder.Build(config, checkpoint, plan.Dtype!.Value, device, logger, cancellationToken);
            return new SentenceEncoder(model, tokenizer, pooling, dense, modules.Normalize, maxTokens, plan, logger, Path.GetFullPath(path));
        }
        catch
        {
            dense.ForEach(d => d.Dispose());
            throw;
        }
    }

    /// <summary>
    /// Builds an encoder from a configuration, any weight source and a tokenizer, in <paramref name="dtype"/> (a concrete
    /// dtype) on <paramref name="device"/> (null is cpu). <paramref name="maxSeqLength"/> null takes the model's limit.
    /// </summary>
    public static SentenceEncoder FromWeights(
        EncoderConfig config,
        IWeightSource weights,
        IEncoderTokenizer tokenizer,
        DType dtype,
        PoolingConfig? pooling = null,
        bool normalize = false,
        int? maxSeqLength = null,
        string? device = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(tokenizer);
        logger ??= NullLogger.Instance;
        var maxTokens = ChooseMaxTokens(config, maxSeqLength, logger);
        var model = BertEncoder.Build(config, weights, dtype, new Device(device is null or "auto" ? "cpu" : device), logger, cancellationToken);
        return new SentenceEncoder(model, tokenizer, pooling ?? PoolingConfig.Mean, [], normalize, maxTokens, null, logger);
    }

    /// <summary>Encodes <paramref name="texts"/> into one embedding each, in the caller's order.</summary>
    public float[][] Encode(IReadOnlyList<string> texts, int batchSize = 32, CancellationToken cancellationToken = default) =>
        Encode(texts, batchSize, null, null, null, cancellationToken);

    /// <summary>
    /// Encodes <paramref name="texts"/> into one float32 embedding each, in the caller's order. Texts are sorted by length
    /// and batched (<paramref name="batchSize"/> a batch) with padding masked out. <paramref name="normalize"/> null
    /// follows the folder's Normalize module; <paramref name="prompt"/> is put before each text (and left out of pooling
    /// when the pooling config says <c>include_prompt: false</c>).
    /// </summary>
    public float[][] Encode(IReadOnlyList<string> texts, int batchSize, bool? normalize, string? prompt, IProgress<EncodeProgress>? progress, CancellationToken cancellationToken) =>
        Embed(texts, batchSize, normalize, prompt, progress, cancellationToken).Embeddings;

    /// <summary>
    /// As <see cref="Encode(IReadOnlyList{string}, int, bool?, string?, IProgress{EncodeProgress}?, CancellationToken)"/>, and
    /// says which texts were longer than <see cref="MaxTokens"/> and cut to it (their end dropped), with the lengths (PREC109).
    /// </summary>
    public SentenceEmbeddings Embed(IReadOnlyList<string> texts, int batchSize = 32, bool? normalize = null, string? prompt = null, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var tokenized = new int[texts.Count][];
        var truncations = new List<InputTruncation>();
        for (var i = 0; i < texts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = texts[i] ?? throw new ArgumentException($"texts[{i}] is null.", nameof(texts));
            tokenized[i] = _tokenizer.Encode(prompt + text, MaxTokens, out var cut);
            if (cut)
            {
                var length = _tokenizer.Encode(prompt + text, int.MaxValue, out _).Length;
                truncations.Add(new InputTruncation(i, length, MaxTokens, tokenized[i].Length, MaxTokensSource, KeptEnd: false));
            }
        }

        if (truncations.Count > 0)
        {
            _logger.LogWarning("{Code}: {Count} of {Total} texts were longer than {Max} tokens and were truncated ({Source}).", RuntimeCodes.InputTruncated, truncations.Count, texts.Count, MaxTokens, MaxTokensSource);
        }

        // [CLS] and the prompt's tokens (not its [SEP]) are the prompt positions.
        var promptLength = string.IsNullOrEmpty(prompt) || Pooling.IncludePrompt ? 0 : _tokenizer.Encode(prompt, MaxTokens, out _).Length - 1;
        var order = Enumerable.Range(0, texts.Count).OrderByDescending(i => tokenized[i].Length).ToArray();
        var result = new float[texts.Count][];
        for (var start = 0; start < order.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray();
            var rows = EncodeBatch(batch.Select(i => tokenized[i]).ToArray(), normalize ?? Normalize, promptLength, cancellationToken);
            for (var j = 0; j < batch.Length; j++)
            {
                result[batch[j]] = rows[j];
            }

            progress?.Report(new EncodeProgress(start + batch.Length, texts.Count));
        }

        return new SentenceEmbeddings(result, truncations) { TokenCount = tokenized.Sum(t => t.Length) };
    }

    private float[][] EncodeBatch(int[][] batch, bool normalize, long promptLength, CancellationToken cancellationToken)
    {
        var length = batch.Max(ids => ids.Length);
        var ids = new long[batch.Length * length];
        var mask = new long[batch.Length * length];
        for (var b = 0; b < batch.Length; b++)
        {
            for (var t = 0; t < length; t++)
            {
                var real = t < batch[b].Length;
                ids[b * length + t] = real ? batch[b][t] : _tokenizer.PadTokenId;
                mask[b * length + t] = real ? 1 : 0;
            }
        }

        using var scope = NewDisposeScope();
        var idTensor = tensor(ids, [batch.Length, length]);
        var maskTensor = tensor(mask, [batch.Length, length]);
        var tokens = _model.Forward(idTensor, maskTensor, cancellationToken);
        var pooled = Pooler.Pool(Pooling, tokens, maskTensor, promptLength);
        foreach (var dense in _dense)
        {
            pooled = dense.Forward(pooled);
        }
        if (normalize)
        {
            pooled = F.normalize(pooled, p: 2, dim: 1);
        }

        var values = pooled.cpu().data<float>().ToArray();
        var width = (int)pooled.shape[1];
        return Enumerable.Range(0, batch.Length).Select(b => values.AsSpan(b * width, width).ToArray()).ToArray();
    }

    private static (int Count, string Source) ChooseMaxTokens(EncoderConfig config, long? maxSeqLength, ILogger logger)
    {
        const string Positions = "max_position_embeddings";
        var limit = config.MaxTokens;
        if (maxSeqLength is null)
        {
            logger.LogWarning("No max_seq_length (sentence_bert_config.json): texts are truncated to the model's {Limit} positions.", limit);
            return ((int)limit, Positions);
        }

        if (maxSeqLength > limit)
        {
            logger.LogWarning("max_seq_length {Max} exceeds the model's {Limit} positions (max_position_embeddings); truncating to {Limit}.", maxSeqLength, limit, limit);
            return ((int)limit, Positions);
        }

        return ((int)maxSeqLength.Value, "max_seq_length");
    }

    public void Dispose()
    {
        _model.Dispose();
        foreach (var dense in _dense)
        {
            dense.Dispose();
        }
    }
}
