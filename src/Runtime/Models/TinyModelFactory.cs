using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Native;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>Options of <see cref="TinyModelFactory"/>.</summary>
public sealed record TinyModelOptions
{
    /// <summary>Seed of the random weights; each weight is drawn from its own stream seeded by this and its name.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>The vocabulary size in config.json (at least <see cref="Tokenization.TokenizerWriter.MinimumVocabularySize"/> to go with a written tokenizer).</summary>
    public int VocabSize { get; init; } = 96;

    /// <summary>The dtype of the weights (and the <c>dtype</c> the config declares).</summary>
    public DType Dtype { get; init; } = DType.Float32;

    /// <summary>
    /// Give the last decoder layer a "massive activation" (as large real models have in a few channels): its block writes
    /// about 2·10⁵ into hidden channel 0 for every token. Weights stay within FP16's range; hidden states exceed 65504, so
    /// FP16 overflows to ∞ while BF16 and FP32 stay finite. The final norm ignores that channel, so logits stay ordinary.
    /// </summary>
    public bool Fp16Overflow { get; init; }
}

/// <summary>A tiny model in memory: the text of its <c>config.json</c> and its state dict under Hugging Face names.</summary>
public sealed class TinyModel : IDisposable
{
    internal TinyModel(string family, string configJson, Dictionary<string, Tensor> weights)
    {
        Family = family;
        ConfigJson = configJson;
        Weights = weights;
        Config = ModelConfig.Parse(configJson, $"tiny {family} config.json");
    }

    /// <summary>The name it was created under (a <c>model_type</c>, or <c>gemma3</c> for the multimodal layout).</summary>
    public string Family { get; }

    public string ConfigJson { get; }

    public ModelConfig Config { get; }

    public IReadOnlyDictionary<string, Tensor> Weights { get; }

    public IWeightSource WeightSource => new StateDictWeightSource(Weights);

    public void Dispose()
    {
        foreach (var tensor in Weights.Values)
        {
            tensor.Dispose();
        }
    }
}

/// <summary>
/// Builds tiny random decoders of every family, deterministically (fixed seed, no libtorch RNG), for tests and for
/// <c>precision demo</c>, which saves them in the on-disk format.
/// </summary>
public static class TinyModelFactory
{
    /// <summary>Hidden-state value the FP16-overflow model reaches in channel 0 (FP16's largest finite value is 65504).</summary>
    public const double MassiveActivation = 2e5;

    /// <summary>The families it can build; <c>gemma3</c> is a multimodal checkpoint whose language model is gemma3_text.</summary>
    public static IReadOnlyList<string> Families { get; } = ["llama", "mistral", "qwen2", "gemma", "gemma2", "gemma3_text", "gemma3"];

    public static TinyModel Create(string family, TinyModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(family);
        options ??= new TinyModelOptions();
        TorchSharpLoader.EnsureLoaded();
        var text = TextConfig(family, options.VocabSize);
        var dtypeName = options.Dtype switch
        {
            DType.Float16 => "float16",
            DType.BFloat16 => "bfloat16",
            _ => "float32",
        };
        JsonObject root;
        if (family == "gemma3")
        {
            root = new JsonObject
            {
                ["model_type"] = "gemma3",
                ["architectures"] = new JsonArray("Gemma3ForConditionalGeneration"),
                ["dtype"] = dtypeName,
                ["text_config"] = text,
                ["vision_config"] = new JsonObject { ["model_type"] = "siglip_vision_model", ["hidden_size"] = 16, ["intermediate_size"] = 32, ["num_hidden_layers"] = 1, ["image_size"] = 16, ["patch_size"] = 8 },
            };
        }
        else
        {
            root = text;
            root["dtype"] = dtypeName;
        }

        var json = root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        return Random(json, options, family);
    }

    /// <summary>
    /// Random weights (same recipe and seeding as the tiny models) for any decoder <c>config.json</c> text, e.g. a
    /// ~100M-parameter llama for benchmarks. The config's declared dtype is not changed; <paramref name="options"/> sets the weights' dtype.
    /// </summary>
    public static TinyModel Random(string configJson, TinyModelOptions? options = null, string? family = null)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        options ??= new TinyModelOptions();
        TorchSharpLoader.EnsureLoaded();
        var config = ModelConfig.Parse(configJson, "config.json");
        family ??= config.HasTextConfig ? config.OuterModelType : config.ModelType;
        var json = configJson;
        var values = RandomWeights(config, family, options.Seed);
        if (options.Fp16Overflow)
        {
            AddMassiveActivation(config, family, values);
        }

        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var scalarType = DecoderModel.ScalarTypeOf(options.Dtype);
        foreach (var (name, (shape, data)) in values)
        {
            using var f32 = tensor(data, dtype: ScalarType.Float32).reshape(shape);
            weights[name] = f32.to_type(scalarType, copy: true).DetachFromDisposeScope();
        }

        return new TinyModel(family, json, weights);
    }

    private static JsonObject TextConfig(string family, int vocabSize)
    {
        var config = new JsonObject
        {
            ["vocab_size"] = vocabSize,
            ["hidden_size"] = 32,
            ["intermediate_size"] = 64,
            ["num_hidden_layers"] = 3,
            ["num_attention_heads"] = 4,
            ["num_key_value_heads"] = 2,
            ["head_dim"] = 8,
            ["max_position_embeddings"] = 256,
            ["rms_norm_eps"] = 1e-6,
            ["bos_token_id"] = 1,
            ["eos_token_id"] = 2,
            ["pad_token_id"] = 0,
        };
        switch (family)
        {
            case "llama":
                config["model_type"] = "llama";
                config["architectures"] = new JsonArray("LlamaForCausalLM");
                config["hidden_act"] = "silu";
                config["rope_theta"] = 10000.0;
                config["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 16 };
                config["tie_word_embeddings"] = false;
                break;
            case "mistral":
                config["model_type"] = "mistral";
                config["architectures"] = new JsonArray("MistralForCausalLM");
                config["hidden_act"] = "silu";
                config["rope_theta"] = 10000.0;
                config["sliding_window"] = 4;
                config["tie_word_embeddings"] = false;
                break;
            case "qwen2":
                config["model_type"] = "qwen2";
                config["architectures"] = new JsonArray("Qwen2ForCausalLM");
                config["hidden_act"] = "silu";
                config["rope_theta"] = 1000000.0;
                config["use_sliding_window"] = true;
                config["sliding_window"] = 4;
                config["max_window_layers"] = 1;
                config["tie_word_embeddings"] = true;
                break;
            case "gemma":
                config["model_type"] = "gemma";
                config["architectures"] = new JsonArray("GemmaForCausalLM");
                config["hidden_activation"] = "gelu_pytorch_tanh";
                config["rope_theta"] = 10000.0;
                break;
            case "gemma2":
                config["model_type"] = "gemma2";
                config["architectures"] = new JsonArray("Gemma2ForCausalLM");
                config["hidden_activation"] = "gelu_pytorch_tanh";
                config["query_pre_attn_scalar"] = 16;
                config["attn_logit_softcapping"] = 2.0;
                config["final_logit_softcapping"] = 3.0;
                config["sliding_window"] = 4;
                break;
            case "gemma3_text":
            case "gemma3":
                config["model_type"] = "gemma3_text";
                if (family == "gemma3_text")
                {
                    config["architectures"] = new JsonArray("Gemma3ForCausalLM");
                }

                config["hidden_activation"] = "gelu_pytorch_tanh";
                config["query_pre_attn_scalar"] = 16;
                config["sliding_window"] = 4;
                config["sliding_window_pattern"] = 3;
                config["rope_theta"] = 1000000.0;
                config["rope_local_base_freq"] = 10000.0;
                config["rope_scaling"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 8.0 };
                config["final_logit_softcapping"] = null;
                config["attn_logit_softcapping"] = null;
                break;
            default:
                throw new ArgumentException($"No tiny model for '{family}'; known: {string.Join(", ", Families)}.", nameof(family));
        }

        return config;
    }

    private static Dictionary<string, (long[] Shape, float[] Data)> RandomWeights(ModelConfig config, string family, int seed)
    {
        var source = new ShapeOnlySource(config, family);
        var plan = WeightPlan.For(config, source);
        var gemma = plan.Family.NormStyle == NormStyle.OnePlusWeightInFloat32;
        var result = new Dictionary<string, (long[], float[])>(StringComparer.Ordinal);
        foreach (var (name, shape) in plan.Expected.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var count = (int)shape.Aggregate(1L, (a, b) => a * b);
            // Seeded by the name without the multimodal prefix, so gemma3's language model equals gemma3_text's.
            var random = new System.Random(unchecked(seed * 31 + StableHash(name.Replace("language_model.", "", StringComparison.Ordinal))));
            var isNorm = name.EndsWith("norm.weight", StringComparison.Ordinal);
            var isEmbedding = name.EndsWith("embed_tokens.weight", StringComparison.Ordinal);
            var isBias = name.EndsWith(".bias", StringComparison.Ordinal);
            var fanIn = shape.Length == 2 ? shape[1] : 1;
            var (mean, std) = isNorm ? (gemma ? 0.0 : 1.0, 0.1)
                : isEmbedding ? (0.0, gemma ? 0.25 : 1.0)
                : isBias ? (0.0, 0.1)
                : (0.0, 1.0 / Math.Sqrt(fanIn));
            var data = new float[count];
            for (var i = 0; i < count; i++)
            {
                data[i] = (float)(mean + std * Gaussian(random));
            }

            result[name] = (shape, data);
        }

        foreach (var extra in source.ExtraNames)
        {
            result[extra.Key] = (extra.Value, new float[extra.Value.Aggregate(1L, (a, b) => a * b)]);
        }

        return result;
    }

    // The last layer's MLP computes Σ_i (w_i·x̂_i)² into channel 0: pairs of units with gate = up = ±x̂_i give
    // act(z)·z + act(−z)·(−z) = z² for SiLU and GELU alike, and the norm before the MLP makes Σ x̂_i² = hidden exactly,
    // so the value is the same for every token and prompt.
    private static void AddMassiveActivation(ModelConfig config, string family, Dictionary<string, (long[] Shape, float[] Data)> values)
    {
        var plan = WeightPlan.For(config, new ShapeOnlySource(config, family));
        var gemma = plan.Family.NormStyle == NormStyle.OnePlusWeightInFloat32;
        var h = (int)config.HiddenSize;
        var inter = (int)config.IntermediateSize;
        if (inter < 2 * h)
        {
            throw new InvalidOperationException("The FP16-overflow recipe needs intermediate_size ≥ 2 × hidden_size.");
        }

        var last = (int)config.NumHiddenLayers - 1;
        const int channel = 0;
        float[] Data(string name) => values[name].Data;

        var preMlpNorm = Data(plan.LayerName(last, plan.Family.SandwichNorms ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"));
        Array.Fill(preMlpNorm, gemma ? 0f : 1f);

        var gate = Data(plan.LayerName(last, "mlp.gate_proj.weight"));
        var up = Data(plan.LayerName(last, "mlp.up_proj.weight"));
        var down = Data(plan.LayerName(last, "mlp.down_proj.weight"));
        for (var j = 0; j < 2 * h; j++)
        {
            var sign = j < h ? 1f : -1f;
            Array.Clear(gate, j * h, h);
            Array.Clear(up, j * h, h);
            gate[j * h + j % h] = sign;
            up[j * h + j % h] = sign;
            for (var row = 0; row < h; row++)
            {
                down[row * inter + j] = 0;
            }
        }

        if (plan.Family.SandwichNorms)
        {
            // The MLP puts hidden·D into channel 0 only; the post-feed-forward norm turns that into √hidden·(1 + w₀).
            for (var j = 0; j < 2 * h; j++)
            {
                down[channel * inter + j] = 1f;
            }

            var post = Data(plan.LayerName(last, "post_feedforward_layernorm.weight"));
            Array.Fill(post, gemma ? 0f : 1f);
            post[channel] = (float)(MassiveActivation / Math.Sqrt(h) - (gemma ? 1 : 0));
        }
        else
        {
            for (var j = 0; j < 2 * h; j++)
            {
                down[channel * inter + j] = (float)(MassiveActivation / h);
            }
        }

        // The final norm drops the massive channel and amplifies the rest, so logits keep an ordinary scale.
        var final = Data(plan.Body("norm.weight"));
        const float amplify = 1e4f;
        for (var i = 0; i < h; i++)
        {
            final[i] = i == channel ? (gemma ? -1f : 0f) : (gemma ? amplify - 1 : amplify);
        }
    }

    private static double Gaussian(System.Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return unchecked((int)hash);
    }

    /// <summary>Names only, to lay out a plan before any weight exists; multimodal Gemma 3 gets hub-style names and a token vision tower.</summary>
    private sealed class ShapeOnlySource : IWeightSource
    {
        private readonly bool _multimodal;

        public ShapeOnlySource(ModelConfig config, string family)
        {
            _multimodal = family == "gemma3";
            ExtraNames = _multimodal
                ? new Dictionary<string, long[]>
                {
                    ["vision_tower.vision_model.embeddings.patch_embedding.weight"] = [16, 3, 8, 8],
                    ["multi_modal_projector.mm_input_projection_weight"] = [16, config.HiddenSize],
                }
                : [];
        }

        public IReadOnlyDictionary<string, long[]> ExtraNames { get; }

        public IReadOnlyCollection<string> Names => [];

        public long[]? Shape(string name) => _multimodal && name == "language_model.model.embed_tokens.weight" ? [1] : null;

        public Tensor Get(string name, ScalarType dtype, Device device) => throw new NotSupportedException();
    }
}
