using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Tokenization;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>The shape of a tiny random encoder. The defaults make a 2-layer BERT of width 32.</summary>
public sealed record TinyEncoderOptions
{
    /// <summary><c>bert</c>, <c>roberta</c> or <c>xlm-roberta</c>.</summary>
    public string Family { get; init; } = "bert";

    public int HiddenSize { get; init; } = 32;

    public int Layers { get; init; } = 2;

    public int Heads { get; init; } = 4;

    public int IntermediateSize { get; init; } = 64;

    /// <summary>Tokens a text can use; RoBERTa's position table is <c>pad_token_id + 1</c> larger.</summary>
    public int MaxTokens { get; init; } = 64;

    /// <summary>The vocabulary size in config.json; at least the size of the built-in vocabulary (extra ids are never produced by the tokenizer).</summary>
    public int? VocabSize { get; init; }

    /// <summary><c>torch_dtype</c> written to config.json and the dtype of the saved weights.</summary>
    public DType Dtype { get; init; } = DType.Float32;

    /// <summary>Seed of the random weights; each weight is drawn from its own stream seeded by this and its name.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Save the weights with the family prefix (<c>bert.embeddings…</c>), as task checkpoints do.</summary>
    public bool PrefixedNames { get; init; }

    /// <summary>The pooling modes written to <c>1_Pooling/config.json</c>.</summary>
    public IReadOnlyList<PoolingMode> Pooling { get; init; } = [PoolingMode.Mean];

    /// <summary>Write the pooling config in the newer <c>pooling_mode</c> format instead of the legacy booleans.</summary>
    public bool NewPoolingFormat { get; init; }

    /// <summary>When set, a Dense module (tanh) from the pooled width to this many features follows the pooling.</summary>
    public int? DenseOutFeatures { get; init; }

    /// <summary>Add a Normalize module to modules.json.</summary>
    public bool Normalize { get; init; } = true;

    /// <summary><c>max_seq_length</c> in sentence_bert_config.json; null writes no such file.</summary>
    public int? MaxSeqLength { get; init; } = 32;
}

/// <summary>A tiny random encoder in memory: its config.json text, parsed config, weights (owned) and vocabulary.</summary>
public sealed class TinyEncoder : IDisposable
{
    internal TinyEncoder(string configJson, EncoderConfig config, Dictionary<string, Tensor> weights, IReadOnlyList<string> vocab)
    {
        ConfigJson = configJson;
        Config = config;
        Weights = weights;
        Vocab = vocab;
        Source = new StateDictWeightSource(weights);
    }

    public string ConfigJson { get; }

    public EncoderConfig Config { get; }

    /// <summary>Hugging Face names → float32 tensors on the CPU.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights { get; }

    public IReadOnlyList<string> Vocab { get; }

    public IWeightSource Source { get; }

    public void Dispose()
    {
        foreach (var tensor in Weights.Values)
        {
            tensor.Dispose();
        }
    }
}

/// <summary>
/// Builds tiny random BERT-style encoders deterministically (fixed seed, no libtorch RNG), in memory or as a complete
/// sentence-transformers folder, for tests, benchmarks and <c>precision demo --family bert</c>.
/// </summary>
public static class TinyEncoderFactory
{
    /// <summary>The vocabulary: special tokens, punctuation, digits, letters, word-piece suffixes and a few words.</summary>
    public static IReadOnlyList<string> Vocabulary { get; } = BuildVocabulary();

    /// <summary>The config.json text of a tiny encoder.</summary>
    public static string ConfigJson(TinyEncoderOptions? options = null)
    {
        options ??= new TinyEncoderOptions();
        var family = EncoderFamily.Find(options.Family) ?? throw new ArgumentException($"'{options.Family}' is not an encoder family ({string.Join(", ", EncoderFamily.All.Select(f => f.ModelType))}).", nameof(options));
        var pad = family.DefaultPadTokenId;
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(family == EncoderFamily.Bert ? "BertModel" : family == EncoderFamily.Roberta ? "RobertaModel" : "XLMRobertaModel"),
            ["model_type"] = family.ModelType,
            ["vocab_size"] = Math.Max(options.VocabSize ?? 0, Vocabulary.Count),
            ["hidden_size"] = options.HiddenSize,
            ["num_hidden_layers"] = options.Layers,
            ["num_attention_heads"] = options.Heads,
            ["intermediate_size"] = options.IntermediateSize,
            ["hidden_act"] = "gelu",
            ["max_position_embeddings"] = family.PositionsAfterPadding ? options.MaxTokens + pad + 1 : options.MaxTokens,
            ["type_vocab_size"] = family.PositionsAfterPadding ? 1 : 2,
            ["layer_norm_eps"] = 1e-12,
            ["pad_token_id"] = pad,
            ["position_embedding_type"] = "absolute",
            ["torch_dtype"] = DtypeName(options.Dtype),
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A tiny random encoder in memory (float32 weights on the CPU).</summary>
    public static TinyEncoder Create(TinyEncoderOptions? options = null)
    {
        options ??= new TinyEncoderOptions();
        TorchSharpLoader.EnsureLoaded();
        var json = ConfigJson(options);
        var config = EncoderConfig.Parse(json);
        var prefix = options.PrefixedNames ? config.Family.WeightPrefix : "";
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, shape) in EncoderWeightMap.ExpectedShapes(config))
        {
            weights[prefix + name] = Random(name, shape, options.Seed);
        }

        return new TinyEncoder(json, config, weights, Vocabulary);
    }

    /// <summary>
    /// Writes a sentence-transformers folder to <paramref name="folder"/>: modules.json, config.json, model.safetensors
    /// (in <see cref="TinyEncoderOptions.Dtype"/>), vocab.txt, tokenizer_config.json, sentence_bert_config.json,
    /// 1_Pooling/config.json and, when asked, a Normalize module.
    /// </summary>
    public static void WriteFolder(string folder, TinyEncoderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        options ??= new TinyEncoderOptions();
        Directory.CreateDirectory(folder);
        using var tiny = Create(options);
        File.WriteAllText(Path.Combine(folder, "config.json"), tiny.ConfigJson);

        var stored = tiny.Weights.ToDictionary(w => w.Key, w => w.Value.to(DecoderModel.ScalarTypeOf(options.Dtype)));
        try
        {
            SafetensorsWriter.Write(Path.Combine(folder, Checkpoint.SingleFile), stored, cancellationToken: cancellationToken);
        }
        finally
        {
            foreach (var tensor in stored.Values)
            {
                tensor.Dispose();
            }
        }

        WordPieceTextTokenizer.WriteVocab(folder, tiny.Vocab);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), "{\n  \"do_lower_case\": true,\n  \"tokenizer_class\": \"BertTokenizer\"\n}\n");
        if (options.MaxSeqLength is { } max)
        {
            File.WriteAllText(Path.Combine(folder, SentenceBertConfig.FileName), $"{{\n  \"max_seq_length\": {max.ToString(CultureInfo.InvariantCulture)},\n  \"do_lower_case\": true\n}}\n");
        }

        var modules = new JsonArray(
            new JsonObject { ["idx"] = 0, ["name"] = "0", ["path"] = "", ["type"] = "sentence_transformers.models.Transformer" },
            new JsonObject { ["idx"] = 1, ["name"] = "1", ["path"] = "1_Pooling", ["type"] = "sentence_transformers.models.Pooling" });
        if (options.DenseOutFeatures is { } outFeatures)
        {
            modules.Add(new JsonObject { ["idx"] = 2, ["name"] = "2", ["path"] = "2_Dense", ["type"] = "sentence_transformers.models.Dense" });
            WriteDense(Path.Combine(folder, "2_Dense"), options.HiddenSize * options.Pooling.Count, outFeatures, options.Seed, cancellationToken);
        }

        if (options.Normalize)
        {
            var index = modules.Count;
            modules.Add(new JsonObject { ["idx"] = index, ["name"] = $"{index}", ["path"] = $"{index}_Normalize", ["type"] = "sentence_transformers.models.Normalize" });
            Directory.CreateDirectory(Path.Combine(folder, $"{index}_Normalize"));
        }

        var indented = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(folder, SentenceModules.FileName), modules.ToJsonString(indented));
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"), PoolingJson(options.Pooling, options.HiddenSize, options.NewPoolingFormat).ToJsonString(indented));
    }

    /// <summary>A pooling config.json in the legacy (booleans) or new (<c>pooling_mode</c>) format.</summary>
    public static JsonObject PoolingJson(IReadOnlyList<PoolingMode> modes, long dimension, bool newFormat, bool includePrompt = true)
    {
        if (newFormat)
        {
            return new JsonObject
            {
                ["embedding_dimension"] = dimension,
                ["pooling_mode"] = modes.Count == 1 ? PoolingConfig.Name(modes[0]) : new JsonArray(modes.Select(m => (JsonNode)PoolingConfig.Name(m)).ToArray()),
                ["include_prompt"] = includePrompt,
            };
        }

        return new JsonObject
        {
            ["word_embedding_dimension"] = dimension,
            ["pooling_mode_cls_token"] = modes.Contains(PoolingMode.Cls),
            ["pooling_mode_mean_tokens"] = modes.Contains(PoolingMode.Mean),
            ["pooling_mode_max_tokens"] = modes.Contains(PoolingMode.Max),
            ["pooling_mode_mean_sqrt_len_tokens"] = modes.Contains(PoolingMode.MeanSqrtLen),
            ["pooling_mode_weightedmean_tokens"] = modes.Contains(PoolingMode.WeightedMean),
            ["pooling_mode_lasttoken"] = modes.Contains(PoolingMode.LastToken),
            ["include_prompt"] = includePrompt,
        };
    }

    private static void WriteDense(string folder, long inFeatures, long outFeatures, int seed, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), new JsonObject
        {
            ["in_features"] = inFeatures,
            ["out_features"] = outFeatures,
            ["bias"] = true,
            ["activation_function"] = "torch.nn.modules.activation.Tanh",
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        using var weight = Random("dense.linear.weight", [outFeatures, inFeatures], seed);
        using var bias = Random("dense.linear.bias", [outFeatures], seed);
        SafetensorsWriter.Write(Path.Combine(folder, Checkpoint.SingleFile), new Dictionary<string, Tensor> { ["linear.weight"] = weight, ["linear.bias"] = bias }, cancellationToken: cancellationToken);
    }

    private static string DtypeName(DType dtype) => dtype switch
    {
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        _ => "float32",
    };

    // Embeddings N(0, 0.5²); projections N(0, 0.2²) (large enough that attention and the feed-forward block matter at
    // width 32); LayerNorm weight 1 + N(0, 0.1²), biases N(0, 0.1²).
    private static Tensor Random(string name, long[] shape, int seed)
    {
        var random = new System.Random(unchecked(seed * 31 + StableHash(name)));
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[count];
        var isNorm = name.Contains("LayerNorm.", StringComparison.Ordinal);
        var (mean, std) = name switch
        {
            _ when isNorm && name.EndsWith(".weight", StringComparison.Ordinal) => (1.0, 0.1),
            _ when name.EndsWith(".bias", StringComparison.Ordinal) => (0.0, 0.1),
            _ when name.StartsWith("embeddings.", StringComparison.Ordinal) => (0.0, 0.5),
            _ => (0.0, 0.2 * Math.Sqrt(32.0 / shape[^1])),
        };
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(mean + std * Gaussian(random));
        }

        return tensor(data, shape, dtype: ScalarType.Float32);
    }

    private static double Gaussian(System.Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static int StableHash(string text)
    {
        unchecked
        {
            var hash = (int)2166136261;
            foreach (var c in text)
            {
                hash = (hash ^ c) * 16777619;
            }

            return hash;
        }
    }

    private static string[] BuildVocabulary()
    {
        var tokens = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        tokens.AddRange(".,!?;:'\"()-".Select(c => c.ToString()));
        tokens.AddRange(Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)));
        tokens.AddRange(Enumerable.Range('a', 26).Select(c => ((char)c).ToString()));
        tokens.AddRange(Enumerable.Range('a', 26).Select(c => "##" + (char)c));
        tokens.AddRange(["the", "quick", "brown", "fox", "jump", "##s", "##ed", "##ing", "over", "lazy", "dog", "hello", "world", "cat", "sat", "on", "mat", "is", "this", "test", "sentence", "embedding", "model", "query", "passage", "search"]);
        return tokens.Distinct(StringComparer.Ordinal).ToArray();
    }
}
