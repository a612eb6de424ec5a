using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;

namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>The dtype chosen for one device, with why; or the error that stops a strict plan.</summary>
public sealed record DtypeDecision(DType? Dtype, IReadOnlyList<string> Reasons, IReadOnlyList<PrecisionWarning> Warnings, string? Error = null);

/// <summary>
/// The rules that choose a dtype for a device, each small and with its reason, so a plan can say why and tests can check
/// each rule alone. Sources: vLLM's dtype resolution and compute-capability gate, mistral.rs' probe order,
/// PyTorch's CPU BF16/FP16 performance notes (see docs/planning.md).
/// </summary>
public static class DtypeRules
{
    /// <summary>The dtype for an explicit request: honoured unless the device cannot run it.</summary>
    public static DtypeDecision ForExplicit(DType requested, PlanDevice device, ModelConfig config, bool strict)
    {
        var reasons = new List<string>();
        var warnings = new List<PrecisionWarning>();
        var name = Name(requested);

        if (requested == DType.Float16 && config.Family is { Float16Unsafe: { } why })
        {
            var message = $"float16 was requested for {config.ModelType}, which is unsafe in float16: {why}. Use bfloat16 (or float32 where bfloat16 is unsupported).";
            if (strict)
            {
                return new DtypeDecision(null, reasons, warnings, $"{RuntimeCodes.Float16UnsafeFamily}: {message}");
            }

            warnings.Add(new PrecisionWarning(RuntimeCodes.Float16UnsafeFamily, message + " Honoured as asked; the overflow guard watches for non-finite activations."));
        }

        if (!device.Runs(requested))
        {
            var fallback = SaferThan(requested, device, config);
            var message = $"{name} is not supported on {device.Name} ({device.Description}); {Cause(requested, device)}";
            if (strict)
            {
                return new DtypeDecision(null, reasons, warnings, $"{CodeFor(requested)}: {message}");
            }

            warnings.Add(new PrecisionWarning(CodeFor(requested), $"{message}; using {Name(fallback)} instead."));
            reasons.Add($"{name} was requested but {device.Name} cannot run it; fell back to {Name(fallback)}");
            return new DtypeDecision(fallback, reasons, warnings);
        }

        reasons.Add($"{name} was requested explicitly and {device.Name} runs it");
        AddSlowCpuWarning(requested, device, warnings);
        return new DtypeDecision(requested, reasons, warnings);
    }

    /// <summary>
    /// The dtype for <see cref="DType.Auto"/>: the checkpoint's dtype where the device runs it and the family is safe in it;
    /// FP32 checkpoints on a GPU go to BF16 where supported, else FP16 for FP16-safe families; on a CPU, BF16 where the
    /// CPU has native BF16, else FP32; FP16-unsafe families never get FP16.
    /// </summary>
    public static DtypeDecision ForAuto(PlanDevice device, ModelConfig config, DType? checkpoint)
    {
        var reasons = new List<string>();
        var warnings = new List<PrecisionWarning>();
        var unsafeWhy = config.Family?.Float16Unsafe;

        if (!device.IsGpu)
        {
            if (device.FastBFloat16)
            {
                reasons.Add($"{device.Name} has native BF16 (AVX-512 BF16 or AMX): bfloat16 halves memory against float32 and multiplies faster");
                return new DtypeDecision(DType.BFloat16, reasons, warnings);
            }

            reasons.Add($"{device.Name} has no native BF16 or FP16 arithmetic: 16-bit types would be converted to float32 for every multiply and run slower, so float32");
            return new DtypeDecision(DType.Float32, reasons, warnings);
        }

        var source = checkpoint ?? DType.Float32;
        var from = checkpoint is null ? "the checkpoint's dtype is unknown (taken as float32)" : $"the checkpoint is {Name(source)}";

        if (source == DType.Float16 && unsafeWhy is null && device.RunsFloat16)
        {
            reasons.Add($"{from} and {device.Name} runs float16");
            return new DtypeDecision(DType.Float16, reasons, warnings);
        }

        if (device.RunsBFloat16)
        {
            reasons.Add(source switch
            {
                DType.BFloat16 => $"{from} and {device.Name} runs bfloat16",
                DType.Float16 => $"{from} but {config.ModelType} is unsafe in float16 ({unsafeWhy}); {device.Name} runs bfloat16, which has float32's range",
                _ => $"{from}; on a GPU that runs bfloat16 ({device.Name}) float32 weights are loaded as bfloat16, half the memory with float32's range",
            });
            return new DtypeDecision(DType.BFloat16, reasons, warnings);
        }

        if (unsafeWhy is null && device.RunsFloat16)
        {
            reasons.Add($"{from}; {device.Name} cannot run bfloat16 ({Cause(DType.BFloat16, device)}), and {config.ModelType} is safe in float16, so float16");
            if (source == DType.BFloat16)
            {
                warnings.Add(new PrecisionWarning(RuntimeCodes.BFloat16Unsupported, $"the checkpoint is bfloat16 but {device.Name} cannot run bfloat16 ({Cause(DType.BFloat16, device)}); converting to float16, whose range is narrower."));
            }

            return new DtypeDecision(DType.Float16, reasons, warnings);
        }

        reasons.Add(unsafeWhy is null
            ? $"{from}; {device.Name} runs neither bfloat16 nor float16, so float32"
            : $"{from}; {device.Name} cannot run bfloat16 ({Cause(DType.BFloat16, device)}) and {config.ModelType} is unsafe in float16 ({unsafeWhy}), so float32");
        return new DtypeDecision(DType.Float32, reasons, warnings);
    }

    /// <summary>
    /// For <see cref="DType.Auto"/> when <paramref name="dtype"/> does not fit: a 16-bit dtype the device runs (BF16, else FP16 for
    /// FP16-safe families), or null when there is none. Running slower beats not running.
    /// </summary>
    public static DType? SmallerThan(DType dtype, PlanDevice device, ModelConfig config) => dtype switch
    {
        DType.Float32 when device.RunsBFloat16 => DType.BFloat16,
        DType.Float32 when device.RunsFloat16 && config.Family?.Float16Unsafe is null => DType.Float16,
        _ => null,
    };

    /// <summary>The next safer dtype after <paramref name="dtype"/> failed on <paramref name="device"/>.</summary>
    public static DType SaferThan(DType dtype, PlanDevice device, ModelConfig config) => dtype switch
    {
        DType.BFloat16 when device.RunsFloat16 && config.Family?.Float16Unsafe is null => DType.Float16,
        _ => DType.Float32,
    };

    public static string Name(DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        _ => "auto",
    };

    private static string CodeFor(DType dtype) => dtype == DType.BFloat16 ? RuntimeCodes.BFloat16Unsupported : RuntimeCodes.DeviceNotUsable;

    private static string Cause(DType dtype, PlanDevice device) => dtype switch
    {
        DType.BFloat16 when device.IsGpu => "BF16 matrix multiplication needs compute capability 8.0 (Ampere) or newer",
        DType.Float16 when device.IsGpu => "FP16 needs compute capability 5.3 or newer",
        _ => "the device does not implement it",
    };

    private static void AddSlowCpuWarning(DType dtype, PlanDevice device, List<PrecisionWarning> warnings)
    {
        if (device.IsGpu)
        {
            return;
        }

        if (dtype == DType.BFloat16 && !device.FastBFloat16)
        {
            warnings.Add(new PrecisionWarning(RuntimeCodes.SlowOnCpu, $"{device.Name} has no native BF16 (AVX-512 BF16 or AMX): bfloat16 runs correctly but is converted to float32 for every multiply, often slower than float32."));
        }
        else if (dtype == DType.Float16 && !device.FastFloat16)
        {
            warnings.Add(new PrecisionWarning(RuntimeCodes.SlowOnCpu, $"{device.Name} has no native FP16 arithmetic (AVX-512 FP16 or AMX-FP16): float16 matrix multiplication is emulated and much slower than float32 or bfloat16."));
        }
    }
}
