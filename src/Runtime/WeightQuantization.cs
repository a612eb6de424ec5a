namespace PrecisionAnalyzers.Runtime;

/// <summary>
/// Weight-only quantization of a decoder's linear projections, applied at load time (docs/quantization.md). Activations
/// stay in the planned dtype; embeddings, norms and (by default) the LM head stay unquantized.
/// </summary>
public enum WeightQuantization
{
    /// <summary>Every weight in the planned dtype.</summary>
    None = 0,

    /// <summary>8-bit weights, one BF16 scale per block of 32 inputs (1.0625 bytes a weight).</summary>
    Int8 = 1,

    /// <summary>4-bit weights, one BF16 scale and one BF16 minimum per block of 32 inputs (0.625 bytes a weight).</summary>
    Int4 = 2,

    /// <summary>
    /// The planner quantizes only when no unquantized dtype fits the device (int8 first, then int4), and says so with a
    /// PREC112 warning naming the cost; otherwise none.
    /// </summary>
    Auto = 3,
}
