namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>What the caller asks of the planner.</summary>
/// <param name="Dtype">The dtype asked for; null or <see cref="DType.Auto"/> lets the planner choose.</param>
/// <param name="Device"><c>auto</c> (or null), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</param>
/// <param name="ContextLength">Tokens of key/value cache to budget for; null takes min(4096, the model's maximum).</param>
/// <param name="Mode">Inference or training.</param>
/// <param name="Strict">Make what would be a fallback with a warning an error instead.</param>
/// <param name="WeightsDtype">The dtype the weights are stored in, from the safetensors headers, when known.</param>
public sealed record PlanRequest(
    DType? Dtype = null,
    string? Device = null,
    long? ContextLength = null,
    PlanMode Mode = PlanMode.Inference,
    bool Strict = false,
    DType? WeightsDtype = null);

/// <summary>What the model will be used for.</summary>
public enum PlanMode
{
    Inference,
    Training,
}
