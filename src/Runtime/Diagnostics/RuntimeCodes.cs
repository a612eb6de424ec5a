namespace PrecisionAnalyzers.Runtime.Diagnostics;

/// <summary>
/// The run-time codes (PREC101–PREC199). Each has a page <c>docs/rules/PRECnnn.md</c>.
/// Compile-time codes (PREC001–PREC099) belong to the analyzers.
/// </summary>
public static class RuntimeCodes
{
    /// <summary>BF16 requested or planned on a device that cannot run BF16 matrix multiplication.</summary>
    public const string BFloat16Unsupported = "PREC101";

    /// <summary>FP16 requested for a model family known to overflow in FP16.</summary>
    public const string Float16UnsafeFamily = "PREC102";

    /// <summary>The model does not fit on the requested or any device.</summary>
    public const string DoesNotFit = "PREC103";

    /// <summary>Non-finite activations detected while running.</summary>
    public const string NonFiniteActivations = "PREC104";

    /// <summary>A generation cache was asked for in training mode and is not built.</summary>
    public const string CacheDisabledForTraining = "PREC105";

    /// <summary>A GPU is present but the CUDA backend cannot run on it (compute capability too old, or no CUDA backend).</summary>
    public const string DeviceNotUsable = "PREC106";

    /// <summary>FP16 or BF16 on a CPU without native support for it: correct but slow.</summary>
    public const string SlowOnCpu = "PREC107";

    /// <summary>The checkpoint declares no dtype; the dtype was taken from its weights.</summary>
    public const string DtypeFromWeights = "PREC108";

    /// <summary>An input was longer than the model reads and was cut to fit (<see cref="InputTruncation"/> has the lengths).</summary>
    public const string InputTruncated = "PREC109";

    /// <summary>Generation stopped because the context was full before the new tokens asked for (<see cref="Models.ContextOverflow.StopAtLimit"/>).</summary>
    public const string ContextLimitReached = "PREC110";

    /// <summary>The runtime does not run this architecture: an unknown <c>model_type</c>, activation or RoPE scaling, or a size beyond its bounds.</summary>
    public const string ModelNotSupported = "PREC111";

    /// <summary>Quantization auto: no unquantized dtype fit the device, so the weights were quantized (the message names the cost).</summary>
    public const string QuantizedToFit = "PREC112";
}
