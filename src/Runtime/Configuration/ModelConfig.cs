using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Configuration;

/// <summary>
/// A Hugging Face <c>config.json</c>, read and validated. For a multimodal checkpoint with a nested <c>text_config</c>
/// (Gemma 3 style) the sizes are the language model's, and <see cref="OuterModelType"/> keeps the outer type.
/// Keys absent from the file take the defaults of the family's configuration class.
/// </summary>
public sealed class ModelConfig
{
    private ModelConfig()
    {
    }

    /// <summary>Where the configuration was read from.</summary>
    public string Source { get; private init; } = "";

    /// <summary>The language model's <c>model_type</c> (<c>gemma3_text</c> inside a <c>gemma3</c> checkpoint).</summary>
    public string ModelType { get; private init; } = "";

    /// <summary>The top-level <c>model_type</c>; differs from <see cref="ModelType"/> for multimodal checkpoints.</summary>
    public string OuterModelType { get; private init; } = "";

    /// <summary>The known family, or null for a <c>model_type</c> the runtime does not know.</summary>
    public ModelFamily? Family { get; private init; }

    /// <summary><c>architectures[0]</c>, when present.</summary>
    public string? Architecture { get; private init; }

    public long VocabSize { get; private init; }

    public long HiddenSize { get; private init; }

    public long IntermediateSize { get; private init; }

    public long NumHiddenLayers { get; private init; }

    public long NumAttentionHeads { get; private init; }

    public long NumKeyValueHeads { get; private init; }

    public long HeadDim { get; private init; }

    public long? MaxPositionEmbeddings { get; private init; }

    /// <summary><c>rms_norm_eps</c> for decoders, <c>layer_norm_eps</c> for encoders.</summary>
    public double NormEpsilon { get; private init; }

    /// <summary>The activation: Gemma's <c>hidden_activation</c> (its <c>hidden_act</c> is ignored, as transformers does), else <c>hidden_act</c>.</summary>
    public string Activation { get; private init; } = "";

    /// <summary>The dtype the checkpoint declares (<c>dtype</c> or the older <c>torch_dtype</c>), or null when it declares none we know.</summary>
    public DType? DeclaredDtype { get; private init; }

    /// <summary>The declared dtype as written, e.g. <c>bfloat16</c>, or null.</summary>
    public string? DeclaredDtypeName { get; private init; }

    /// <summary><c>use_cache</c> (the text config's when nested), or null when absent.</summary>
    public bool? UseCache { get; private init; }

    public bool TieWordEmbeddings { get; private init; }

    /// <summary>Bias on all attention projections (Llama's <c>attention_bias</c>).</summary>
    public bool AttentionBias { get; private init; }

    public bool MlpBias { get; private init; }

    /// <summary>The sliding window in tokens, or null for full attention everywhere.</summary>
    public long? SlidingWindow { get; private init; }

    /// <summary>The attention kind of every layer, from <c>layer_types</c> or the family's rule.</summary>
    public IReadOnlyList<LayerType> LayerTypes { get; private init; } = [];

    public double? AttentionLogitSoftcapping { get; private init; }

    public double? FinalLogitSoftcapping { get; private init; }

    /// <summary>Gemma 2/3 <c>query_pre_attn_scalar</c>: attention scale is its inverse square root.</summary>
    public double? QueryPreAttentionScalar { get; private init; }

    /// <summary>RoPE for full-attention layers.</summary>
    public RopeParameters Rope { get; private init; } = new(10_000);

    /// <summary>RoPE for sliding-window layers (Gemma 3 uses a different base there).</summary>
    public RopeParameters LocalRope { get; private init; } = new(10_000);

    /// <summary>Encoders: <c>type_vocab_size</c>.</summary>
    public long TypeVocabSize { get; private init; }

    /// <summary>The vision tower of a multimodal checkpoint, or null.</summary>
    public VisionConfig? Vision { get; private init; }

    /// <summary>True when the checkpoint is multimodal with a nested <c>text_config</c>.</summary>
    public bool HasTextConfig { get; private init; }

    public ModelKind Kind => Family?.Kind ?? ModelKind.Decoder;

    /// <summary>
    /// The most layers a config may declare: far past any real model (a few hundred at most), low enough that the per-layer
    /// list is a few MB and the planner can still say how impossible a huge model is.
    /// </summary>
    public const long MaxLayers = 1_000_000;

    /// <summary>Reads <c>config.json</c> from a model folder, or the file itself.</summary>
    public static ModelConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = Directory.Exists(path) ? Path.Combine(path, "config.json") : path;
        if (!File.Exists(file))
        {
            throw Directory.Exists(path)
                ? new ModelConfigException(path, null, "has no config.json; a model folder holds config.json beside its weights")
                : new ModelConfigException(path, null, "does not exist");
        }

        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelConfigException(file, null, "could not be read: " + e.Message, e);
        }

        return Parse(text, file);
    }

    /// <summary>Parses the text of a <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    public static ModelConfig Parse(string json, string source = "config.json")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new ModelConfigException(source, null, $"is not valid JSON (line {(e.LineNumber ?? 0) + 1}): {e.Message}", e);
        }

        if (root is not JsonObject obj)
        {
            throw new ModelConfigException(source, null, "must hold a JSON object");
        }

        return FromJson(new ConfigReader(obj, source), source);
    }

    private static ModelConfig FromJson(ConfigReader outer, string source)
    {
        var outerType = outer.String("model_type") ?? throw outer.Error("model_type", "is required (it names the model family)");
        var textConfig = outer.Object("text_config");
        var text = textConfig ?? outer;
        var modelType = textConfig?.String("model_type") ?? (textConfig is null ? outerType : outerType + "_text");
        var family = ModelFamilies.Find(modelType);

        var hidden = text.Required("hidden_size");
        var heads = text.Required("num_attention_heads");
        var layers = text.Required("num_hidden_layers");
        if (layers > MaxLayers)
        {
            // Checked before the per-layer list is built: a huge count would allocate and loop for minutes.
            throw text.Error("num_hidden_layers", $"is {layers}; more than {MaxLayers} layers is not a real model");
        }

        var vocab = text.Required("vocab_size");
        var intermediate = text.Required("intermediate_size");
        var kvHeads = text.Integer("num_key_value_heads", 1) ?? heads;
        if (kvHeads > heads || heads % kvHeads != 0)
        {
            throw text.Error("num_key_value_heads", $"must divide num_attention_heads ({heads}); got {kvHeads}");
        }

        var headDim = text.Integer("head_dim", 1) ?? family?.DefaultHeadDim ?? 0;
        if (headDim == 0)
        {
            if (hidden % heads != 0)
            {
                throw text.Error("hidden_size", $"({hidden}) is not divisible by num_attention_heads ({heads}) and no head_dim is given");
            }

            headDim = hidden / heads;
        }

        var isGemma = modelType.StartsWith("gemma", StringComparison.Ordinal);
        var activation = isGemma
            ? text.String("hidden_activation") ?? family?.DefaultActivation ?? "gelu_pytorch_tanh"
            : text.String("hidden_act") ?? text.String("hidden_activation") ?? family?.DefaultActivation ?? "silu";

        var (dtype, dtypeName) = ReadDtype(textConfig, outer);
        var ropeTheta = text.Double("rope_theta") ?? family?.DefaultRopeTheta ?? 10_000;
        var (rope, localRope) = ReadRope(text, ropeTheta, modelType);
        var slidingWindow = ReadSlidingWindow(text, modelType);
        var layerTypes = ReadLayerTypes(text, modelType, layers, slidingWindow);

        return new ModelConfig
        {
            Source = source,
            ModelType = modelType,
            OuterModelType = outerType,
            Family = family,
            Architecture = outer.StringList("architectures")?.FirstOrDefault(),
            VocabSize = vocab,
            HiddenSize = hidden,
            IntermediateSize = intermediate,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            MaxPositionEmbeddings = text.Integer("max_position_embeddings", 1),
            NormEpsilon = text.Double("rms_norm_eps") ?? text.Double("layer_norm_eps") ?? (family?.Kind == ModelKind.Encoder ? 1e-12 : 1e-6),
            Activation = activation,
            DeclaredDtype = dtype,
            DeclaredDtypeName = dtypeName,
            UseCache = textConfig?.Bool("use_cache") ?? outer.Bool("use_cache"),
            TieWordEmbeddings = text.Bool("tie_word_embeddings") ?? outer.Bool("tie_word_embeddings") ?? family?.TiedByDefault ?? false,
            AttentionBias = text.Bool("attention_bias") ?? false,
            MlpBias = text.Bool("mlp_bias") ?? false,
            SlidingWindow = slidingWindow,
            LayerTypes = layerTypes,
            AttentionLogitSoftcapping = text.Double("attn_logit_softcapping"),
            FinalLogitSoftcapping = text.Double("final_logit_softcapping"),
            QueryPreAttentionScalar = text.Double("query_pre_attn_scalar"),
            Rope = rope,
            LocalRope = localRope,
            TypeVocabSize = text.Integer("type_vocab_size") ?? 0,
            Vision = ReadVision(outer.Object("vision_config")),
            HasTextConfig = textConfig is not null,
        };
    }

    /// <summary>Maps a dtype name of <c>config.json</c> to <see cref="DType"/>; null for names outside the three float types.</summary>
    public static DType? ParseDtypeName(string? name) => name?.ToLowerInvariant() switch
    {
        "float32" or "float" or "fp32" => DType.Float32,
        "float16" or "half" or "fp16" => DType.Float16,
        "bfloat16" or "bf16" => DType.BFloat16,
        _ => null,
    };

    private static (DType? Dtype, string? Name) ReadDtype(ConfigReader? textConfig, ConfigReader outer)
    {
        // transformers ≥ 4.56 writes "dtype", older versions "torch_dtype"; the top-level value wins (as in transformers),
        // the text config's is the fallback (as in vLLM).
        var name = outer.String("dtype") ?? outer.String("torch_dtype") ?? textConfig?.String("dtype") ?? textConfig?.String("torch_dtype");
        return (ParseDtypeName(name), name);
    }

    private static (RopeParameters Global, RopeParameters Local) ReadRope(ConfigReader text, double theta, string modelType)
    {
        var parameters = text.Object("rope_parameters");
        if (parameters is not null)
        {
            var full = parameters.Object("full_attention");
            var sliding = parameters.Object("sliding_attention");
            if (full is not null || sliding is not null)
            {
                var global = full is null ? new RopeParameters(theta) : RopeParameters.Read(full, theta);
                var local = sliding is null ? global : RopeParameters.Read(sliding, text.Double("rope_local_base_freq") ?? theta);
                return (global, local);
            }

            var single = RopeParameters.Read(parameters, theta);
            return (single, single);
        }

        var rope = RopeParameters.FromLegacy(theta, text.Object("rope_scaling"));
        if (modelType == "gemma3_text")
        {
            // Gemma 3: local layers use rope_local_base_freq with no scaling; scaling applies to global layers only.
            return (rope, new RopeParameters(text.Double("rope_local_base_freq") ?? 10_000));
        }

        return (rope, rope);
    }

    private static long? ReadSlidingWindow(ConfigReader text, string modelType)
    {
        var window = text.Integer("sliding_window", 1);
        if (window is null && !text.Json.ContainsKey("sliding_window") && modelType is "gemma2" or "gemma3_text" or "mistral")
        {
            // The configuration classes' default (4096) applies only when the key is absent; an explicit null means full attention.
            window = 4096;
        }

        if (modelType == "qwen2" && text.Bool("use_sliding_window") != true)
        {
            return null;
        }

        return window;
    }

    private static IReadOnlyList<LayerType> ReadLayerTypes(ConfigReader text, string modelType, long layers, long? slidingWindow)
    {
        var declared = text.StringList("layer_types");
        if (declared is not null)
        {
            if (declared.Count != layers)
            {
                throw text.Error("layer_types", $"has {declared.Count} entries for {layers} layers");
            }

            return declared.Select(type => type switch
            {
                "full_attention" => LayerType.FullAttention,
                "sliding_attention" => LayerType.SlidingAttention,
                _ => throw text.Error("layer_types", $"has an unknown layer type '{type}'"),
            }).ToArray();
        }

        var result = new LayerType[layers];
        for (var i = 0; i < layers; i++)
        {
            var sliding = slidingWindow is not null && modelType switch
            {
                "gemma2" => i % 2 == 0,
                "gemma3_text" => (i + 1) % (text.Integer("sliding_window_pattern", 1) ?? text.Integer("_sliding_window_pattern", 1) ?? 6) != 0,
                "qwen2" => i >= (text.Integer("max_window_layers") ?? 28),
                "gemma" => false,
                _ => true,
            };
            result[i] = sliding ? LayerType.SlidingAttention : LayerType.FullAttention;
        }

        return result;
    }

    private static VisionConfig? ReadVision(ConfigReader? vision)
    {
        if (vision is null)
        {
            return null;
        }

        // SiglipVisionConfig's class defaults, for keys a checkpoint leaves out.
        return new VisionConfig(
            vision.Integer("hidden_size", 1) ?? 768,
            vision.Integer("intermediate_size", 1) ?? 3072,
            vision.Integer("num_hidden_layers", 1) ?? 12,
            vision.Integer("image_size", 1) ?? 224,
            vision.Integer("patch_size", 1) ?? 16,
            vision.Integer("num_channels", 1) ?? 3);
    }
}
