namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>Qwen2: Llama's decoder with a bias on the q/k/v projections; sliding windows only when <c>use_sliding_window</c>.</summary>
public sealed class Qwen2Family : DecoderFamily
{
    public override string ModelType => "qwen2";

    public override bool QkvBias => true;
}
