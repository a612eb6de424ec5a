namespace PrecisionAnalyzers.Runtime.Configuration;

/// <summary>
/// What the runtime knows about one <c>model_type</c>: the defaults its Hugging Face configuration class applies when a
/// key is absent, the shape of its layers (for counting parameters), and whether it is safe in FP16.
/// </summary>
/// <param name="ModelType">The <c>model_type</c> of <c>config.json</c>.</param>
/// <param name="Kind">Decoder language model or encoder.</param>
/// <param name="TiedByDefault">The class default of <c>tie_word_embeddings</c>.</param>
/// <param name="DefaultHeadDim">The class default of <c>head_dim</c>; null means hidden size ÷ heads.</param>
/// <param name="DefaultActivation">The activation when the config names none.</param>
/// <param name="DefaultRopeTheta">The class default of <c>rope_theta</c>.</param>
/// <param name="NormsPerLayer">RMSNorm weights per decoder layer (2 for Llama-style, 4 for Gemma 2/3).</param>
/// <param name="QkNorm">Whether queries and keys are normalised per head (Gemma 3).</param>
/// <param name="QkvBias">Whether the q/k/v projections carry a bias (Qwen2).</param>
/// <param name="Float16Unsafe">Why the family is unsafe in FP16, or null when it is not known to be.</param>
public sealed record ModelFamily(
    string ModelType,
    ModelKind Kind,
    bool TiedByDefault,
    int? DefaultHeadDim,
    string DefaultActivation,
    double DefaultRopeTheta,
    int NormsPerLayer,
    bool QkNorm,
    bool QkvBias,
    string? Float16Unsafe)
{
    public bool IsFloat16Safe => Float16Unsafe is null;
}

/// <summary>Decoder language model or encoder.</summary>
public enum ModelKind
{
    Decoder,
    Encoder,
}

/// <summary>The model families the runtime knows, keyed by <c>model_type</c>.</summary>
public static class ModelFamilies
{
    private const string GemmaOverflow =
        "hidden states of Gemma models exceed FP16's largest value (65504) on ordinary prompts and turn into NaN; " +
        "vLLM refuses FP16 for gemma2/gemma3, and Gemma 1 overflows the same way";

    public static readonly ModelFamily Llama = new("llama", ModelKind.Decoder, false, null, "silu", 10_000, 2, false, false, null);
    public static readonly ModelFamily Mistral = new("mistral", ModelKind.Decoder, false, null, "silu", 10_000, 2, false, false, null);
    public static readonly ModelFamily Qwen2 = new("qwen2", ModelKind.Decoder, false, null, "silu", 10_000, 2, false, true, null);
    public static readonly ModelFamily Gemma = new("gemma", ModelKind.Decoder, true, 256, "gelu_pytorch_tanh", 10_000, 2, false, false, GemmaOverflow);
    public static readonly ModelFamily Gemma2 = new("gemma2", ModelKind.Decoder, true, 256, "gelu_pytorch_tanh", 10_000, 4, false, false, GemmaOverflow);
    public static readonly ModelFamily Gemma3Text = new("gemma3_text", ModelKind.Decoder, true, 256, "gelu_pytorch_tanh", 1_000_000, 4, true, false, GemmaOverflow);
    public static readonly ModelFamily Bert = new("bert", ModelKind.Encoder, false, null, "gelu", 0, 0, false, false, null);
    public static readonly ModelFamily Roberta = new("roberta", ModelKind.Encoder, false, null, "gelu", 0, 0, false, false, null);
    public static readonly ModelFamily XlmRoberta = new("xlm-roberta", ModelKind.Encoder, false, null, "gelu", 0, 0, false, false, null);
    public static readonly ModelFamily MPNet = new("mpnet", ModelKind.Encoder, false, null, "gelu", 0, 0, false, false, null);

    /// <summary>Every family, in the order the docs list them.</summary>
    public static IReadOnlyList<ModelFamily> All { get; } = [Llama, Mistral, Qwen2, Gemma, Gemma2, Gemma3Text, Bert, Roberta, XlmRoberta, MPNet];

    /// <summary>
    /// Model types known to overflow in FP16, including ones the runtime cannot run yet, with the reason.
    /// The analyzers keep the same list (PREC002) and users extend theirs through <c>.editorconfig</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Float16UnsafeModelTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gemma"] = GemmaOverflow,
        ["gemma2"] = GemmaOverflow,
        ["gemma3"] = GemmaOverflow,
        ["gemma3_text"] = GemmaOverflow,
        ["gemma3n"] = GemmaOverflow,
        ["plamo2"] = "numerical instability in FP16 (vLLM refuses FP16 for plamo2)",
        ["glm4"] = "NaN logits in FP16 (vLLM refuses FP16 for glm4)",
    };

    /// <summary>The family of <paramref name="modelType"/>, or null for one the runtime does not know.</summary>
    public static ModelFamily? Find(string modelType) =>
        All.FirstOrDefault(f => string.Equals(f.ModelType, modelType, StringComparison.Ordinal));
}
