namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>What the caller asks of the planner.</summary>
/// <param name="Dtype">The dtype asked for; null or <see cref="DType.Auto"/> lets the planner choose.</param>
/// <param name="Device"><c>auto</c> (or null), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</param>
/// <param name="ContextLength">Tokens of key/value cache to budget for; null takes min(4096, the model's maximum).</param>
/// <param name="Mode">Inference or training.</param>
/// <param name="Strict">Make what would be a fallback with a warning an error instead.</param>
/// <param name="WeightsDtype">The dtype the weights are stored in, from the safetensors headers, when known.</param>
/// <param name="LoraRank">The adapters' rank, for <see cref="PlanMode.LoraTraining"/>.</param>
/// <param name="LoraTargets">The adapted projections (<c>q_proj</c>, …) for <see cref="PlanMode.LoraTraining"/>; null: the attention projections.</param>
/// <param name="Quantization">Weight-only quantization asked for; <see cref="WeightQuantization.Auto"/> quantizes only where nothing unquantized fits.</param>
/// <param name="QuantizeLmHead">Quantize the untied LM head too (off by default).</param>
public sealed record PlanRequest(
    DType? Dtype = null,
    string? Device = null,
    long? ContextLength = null,
    PlanMode Mode = PlanMode.Inference,
    bool Strict = false,
    DType? WeightsDtype = null,
    int LoraRank = 8,
    IReadOnlyList<string>? LoraTargets = null,
    WeightQuantization Quantization = WeightQuantization.None,
    bool QuantizeLmHead = false);

/// <summary>What the model will be used for.</summary>
public enum PlanMode
{
    Inference,

    /// <summary>Full fine-tuning: every weight trained with Adam.</summary>
    Training,

    /// <summary>LoRA fine-tuning: frozen weights in the dtype, FP32 adapters with their gradients and AdamW state.</summary>
    LoraTraining,
}
