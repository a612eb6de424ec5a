using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Diagnostics;

namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>
/// Chooses the dtype and device a model runs in, from its configuration, the devices at hand and what the caller asked,
/// with a reason for every step. On devices of this machine, a dtype is proven with a tiny matrix multiplication before
/// it is committed (capability checks that merely create a tensor lie: BF16 storage works where BF16 GEMM does not).
/// </summary>
public sealed class PrecisionPlanner
{
    /// <summary>A device must hold what the model needs plus this fraction more (activations, workspace, allocator slack).</summary>
    public const double Headroom = 0.10;

    private readonly IDtypeProbe? _probe;
    private readonly ILogger _logger;

    public PrecisionPlanner(IDtypeProbe? probe = null, ILogger? logger = null)
    {
        _probe = probe;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Plans <paramref name="config"/> on <paramref name="devices"/>. A model the runtime does not implement (PREC111) or
    /// too large for 64-bit sizes (PREC103) gets the "cannot run" verdict at once, before any per-layer work.
    /// </summary>
    public PrecisionPlan Plan(ModelConfig config, IReadOnlyList<PlanDevice> devices, PlanRequest? request = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(devices);
        request ??= new PlanRequest();
        if (Models.RuntimeSupport.Problem(config) is { } problem)
        {
            return CannotRun(config, request, problem, RuntimeCodes.ModelNotSupported);
        }

        try
        {
            return PlanSupported(config, devices, request);
        }
        catch (OverflowException)
        {
            return CannotRun(config, request, $"{config.Source} describes a model whose size overflows 64-bit arithmetic: no machine can hold it", RuntimeCodes.DoesNotFit);
        }
        catch (PrecisionException e) when (e.Code == RuntimeCodes.DoesNotFit)
        {
            return CannotRun(config, request, e.Message[(e.Code.Length + 2)..], RuntimeCodes.DoesNotFit);
        }
    }

    private static PrecisionPlan CannotRun(ModelConfig config, PlanRequest request, string reason, string code)
    {
        // The sizes when they can be counted (an unsupported architecture still has a size); 0 when they overflow.
        var parameters = 0L;
        var weights = new Dictionary<DType, long> { [DType.Float32] = 0, [DType.Float16] = 0, [DType.BFloat16] = 0 };
        try
        {
            parameters = ParameterCounter.Count(config).Total;
            foreach (var dtype in weights.Keys.ToArray())
            {
                weights[dtype] = MemoryEstimator.WeightBytes(parameters, dtype);
            }
        }
        catch (Exception e) when (e is PrecisionException or OverflowException)
        {
            // Too many to count: the reason says so.
        }

        return new PrecisionPlan
        {
            ModelType = config.ModelType,
            Parameters = parameters,
            WeightBytes = weights,
            Mode = request.Mode,
            ContextLength = request.ContextLength ?? 0,
            Reasons = [reason],
            Warnings = [new PrecisionWarning(code, reason)],
        };
    }

    private PrecisionPlan PlanSupported(ModelConfig config, IReadOnlyList<PlanDevice> devices, PlanRequest request)
    {
        var parameters = ParameterCounter.Count(config).Total;
        var weights = new Dictionary<DType, long>
        {
            [DType.Float32] = MemoryEstimator.WeightBytes(parameters, DType.Float32),
            [DType.Float16] = MemoryEstimator.WeightBytes(parameters, DType.Float16),
            [DType.BFloat16] = MemoryEstimator.WeightBytes(parameters, DType.BFloat16),
        };
        var context = request.ContextLength ?? Math.Min(4096, config.MaxPositionEmbeddings ?? 4096);
        if (context < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(request), context, "The context length cannot be negative.");
        }

        var reasons = new List<string>();
        var warnings = new List<PrecisionWarning>();
        var checkpoint = CheckpointDtype(config, request, reasons, warnings);
        reasons.Add($"{config.ModelType}: {parameters.ToString("N0", CultureInfo.InvariantCulture)} parameters ({Bytes(weights[DType.Float32])} in float32, {Bytes(weights[DType.BFloat16])} in bfloat16)");

        var explicitDtype = request.Dtype is { } d && d != DType.Auto ? d : (DType?)null;
        var (candidates, deviceError) = Candidates(devices, request.Device, request.Strict, reasons, warnings);

        var quantization = request.Quantization;
        var head = request.QuantizeLmHead;
        if (quantization is WeightQuantization.Int8 or WeightQuantization.Int4)
        {
            reasons.Add($"{Name(quantization)} weights were requested: {QuantizedParts(config, head)} are quantized at load time in blocks of 32; {KeptParts(config, head)} and activations stay in the compute dtype");
        }

        var quantizeNow = quantization is WeightQuantization.Int8 or WeightQuantization.Int4 ? quantization : WeightQuantization.None;
        if (request.Mode != PlanMode.Inference && quantization != WeightQuantization.None)
        {
            if (quantization != WeightQuantization.Auto)
            {
                reasons.Add($"{Name(quantization)} weights cannot be trained: training a quantized base (QLoRA) is not supported; load the base unquantized");
                return Result(null, null, 0, 0);
            }

            reasons.Add("quantization auto: training never quantizes the base");
            quantizeNow = WeightQuantization.None;
        }

        long WeightsFor(DType dtype) => MemoryEstimator.QuantizedWeightBytes(config, parameters, dtype, quantizeNow, head);

        PrecisionPlan Result(DType? dtype, string? device, long kv, long required) => new()
        {
            ModelType = config.ModelType,
            Parameters = parameters,
            WeightBytes = weights,
            QuantizedWeightBytes = new Dictionary<WeightQuantization, long>
            {
                [WeightQuantization.Int8] = MemoryEstimator.QuantizedWeightBytes(config, parameters, dtype ?? DType.Float32, WeightQuantization.Int8, head),
                [WeightQuantization.Int4] = MemoryEstimator.QuantizedWeightBytes(config, parameters, dtype ?? DType.Float32, WeightQuantization.Int4, head),
            },
            Quantization = dtype is null ? WeightQuantization.None : quantizeNow,
            QuantizeLmHead = head && quantizeNow != WeightQuantization.None,
            Dtype = dtype,
            Device = device,
            CheckpointDtype = checkpoint,
            Mode = request.Mode,
            ContextLength = context,
            KvCacheBytes = kv,
            RequiredBytes = required,
            Reasons = reasons,
            Warnings = warnings,
        };

        if (deviceError is not null)
        {
            reasons.Add(deviceError);
            return Result(null, null, 0, 0);
        }

        long largestNeed = 0;
        foreach (var device in candidates)
        {
            if (!device.IsUsable)
            {
                reasons.Add($"skipped {device.Name} ({device.Description}): {device.UnusableReason}");
                warnings.Add(new PrecisionWarning(RuntimeCodes.DeviceNotUsable, $"{device.Name} ({device.Description}) cannot be used: {device.UnusableReason}"));
                continue;
            }

            var decision = explicitDtype is { } asked
                ? DtypeRules.ForExplicit(asked, device, config, request.Strict)
                : DtypeRules.ForAuto(device, config, checkpoint);
            if (decision.Error is not null)
            {
                reasons.AddRange(decision.Reasons);
                reasons.Add(decision.Error);
                warnings.Add(new PrecisionWarning(decision.Error[..7], decision.Error[9..]));
                return Result(null, null, 0, 0);
            }

            var dtype = Prove(decision.Dtype!.Value, device, config, request.Strict, out var proofNotes, out var proofWarnings, out var proofError);
            if (proofError is not null)
            {
                reasons.AddRange(decision.Reasons.Concat(proofNotes));
                reasons.Add(proofError);
                warnings.Add(new PrecisionWarning(RuntimeCodes.BFloat16Unsupported, proofError));
                return Result(null, null, 0, 0);
            }

            // With quantization auto, the block formats are tried only once no unquantized dtype fits this device.
            bool QuantizedFits(DType compute, ref long kv, ref long required)
            {
                if (quantization != WeightQuantization.Auto || request.Mode != PlanMode.Inference)
                {
                    return false;
                }

                // Int8 before int4; the head (or the tied embedding table) stays unquantized unless that is what it takes.
                var tries = new[] { (WeightQuantization.Int8, head), (WeightQuantization.Int8, true), (WeightQuantization.Int4, head), (WeightQuantization.Int4, true) }.Distinct();
                foreach (var (format, withHead) in tries)
                {
                    var (qKv, qRequired, qWithHeadroom) = Need(config, request, parameters, weights, context, compute, format, withHead);
                    var bytes = MemoryEstimator.QuantizedWeightBytes(config, parameters, compute, format, withHead);
                    if (qWithHeadroom > device.MemoryBytes)
                    {
                        reasons.Add($"quantization auto: {Name(format)} weights for {QuantizedParts(config, withHead)} with {DtypeRules.Name(compute)} compute would need {Bytes(qWithHeadroom)} with headroom: does not fit either");
                        continue;
                    }

                    head = withHead;

                    var cost = format == WeightQuantization.Int8
                        ? "8-bit weights are close to lossless (measured in docs/quantization.md) but not bit-identical to the checkpoint"
                        : "4-bit weights cost measurable accuracy (see docs/quantization.md: lower top-1 agreement and higher perplexity than int8)";
                    reasons.Add($"quantization auto: no unquantized dtype fits {device.Name}, so {QuantizedParts(config, withHead)} are quantized to {Name(format)} ({Bytes(bytes)} of weights; {KeptParts(config, withHead)} stay in {DtypeRules.Name(compute)}) with {DtypeRules.Name(compute)} compute");
                    warnings.Add(new PrecisionWarning(RuntimeCodes.QuantizedToFit, $"no unquantized dtype fits {device.Name} ({Bytes(device.MemoryBytes)} available); {QuantizedParts(config, withHead)} were quantized to {Name(format)} with {DtypeRules.Name(compute)} activations to fit. Cost: {cost}. Pass --quantize none (LoadOptions.Quantization = None) to refuse."));
                    quantizeNow = format;
                    (kv, required) = (qKv, qRequired);
                    return true;
                }

                return false;
            }

            var (kv, required, withHeadroom) = Need(config, request, parameters, weights, context, dtype, quantizeNow, head);
            largestNeed = Math.Max(largestNeed, withHeadroom);
            if (withHeadroom > device.MemoryBytes)
            {
                var what = quantizeNow == WeightQuantization.None ? DtypeRules.Name(dtype) : $"{Name(quantizeNow)} weights with {DtypeRules.Name(dtype)} compute";
                reasons.Add($"{device.Name} has {Bytes(device.MemoryBytes)} available; {what} needs {Bytes(required)} ({Describe(config, request, WeightsFor(dtype), kv, context)}) plus {Headroom:P0} headroom = {Bytes(withHeadroom)}: does not fit");
                var smaller = explicitDtype is null ? DtypeRules.SmallerThan(dtype, device, config) : null;
                if (smaller is null)
                {
                    if (QuantizedFits(dtype, ref kv, ref required))
                    {
                        goto Fits;
                    }

                    continue;
                }

                var (smallerKv, smallerRequired, smallerWithHeadroom) = Need(config, request, parameters, weights, context, smaller.Value, quantizeNow, head);
                if (smallerWithHeadroom > device.MemoryBytes)
                {
                    reasons.Add($"{DtypeRules.Name(smaller.Value)} would need {Bytes(smallerWithHeadroom)} with headroom: does not fit either");
                    if (QuantizedFits(smaller.Value, ref kv, ref required))
                    {
                        dtype = smaller.Value;
                        goto Fits;
                    }

                    continue;
                }

                reasons.Add($"{DtypeRules.Name(smaller.Value)} fits in half the memory, so {DtypeRules.Name(smaller.Value)} rather than not running");
                if (!device.IsGpu && !device.FastBFloat16)
                {
                    warnings.Add(new PrecisionWarning(RuntimeCodes.SlowOnCpu, $"{DtypeRules.Name(dtype)} does not fit in {Bytes(device.MemoryBytes)}; using {DtypeRules.Name(smaller.Value)}, which {device.Name} has no native support for: correct but slower than float32 would be."));
                }

                (dtype, kv, required) = (smaller.Value, smallerKv, smallerRequired);
            }

            Fits:
            if (!Matches(device, request.Device))
            {
                warnings.Add(new PrecisionWarning(RuntimeCodes.DoesNotFit, $"the requested device {request.Device} could not take the model; placed on {device.Name} instead."));
            }

            reasons.AddRange(decision.Reasons);
            reasons.AddRange(proofNotes);
            warnings.AddRange(decision.Warnings);
            warnings.AddRange(proofWarnings);
            var chosen = quantizeNow == WeightQuantization.None ? DtypeRules.Name(dtype) : $"{Name(quantizeNow)} weights with {DtypeRules.Name(dtype)} compute";
            reasons.Add($"{device.Name}: {chosen} needs {Bytes(required)} ({Describe(config, request, WeightsFor(dtype), kv, context)}); {Bytes(device.MemoryBytes)} available: fits");
            _logger.LogDebug("Planned {ModelType} on {Device} in {Dtype}.", config.ModelType, device.Name, dtype);
            return Result(dtype, device.Name, kv, required);
        }

        var biggest = candidates.Where(c => c.IsUsable).Select(c => c.MemoryBytes).DefaultIfEmpty(0).Max();
        var message = candidates.Any(c => c.IsUsable)
            ? $"the model does not fit on any usable device: it needs up to {Bytes(largestNeed)} with headroom, the largest device has {Bytes(biggest)} available"
            : "no usable device";
        reasons.Add(message);
        warnings.Add(new PrecisionWarning(RuntimeCodes.DoesNotFit, message));
        return Result(null, null, 0, 0);
    }

    private static DType? CheckpointDtype(ModelConfig config, PlanRequest request, List<string> reasons, List<PrecisionWarning> warnings)
    {
        if (config.DeclaredDtype is { } declared)
        {
            reasons.Add($"config.json declares dtype {config.DeclaredDtypeName}");
            return declared;
        }

        if (request.WeightsDtype is { } stored)
        {
            var what = config.DeclaredDtypeName is null ? "config.json declares no dtype" : $"config.json declares '{config.DeclaredDtypeName}', not a float type the runtime loads";
            reasons.Add($"{what}; the weights are stored as {DtypeRules.Name(stored)}");
            warnings.Add(new PrecisionWarning(RuntimeCodes.DtypeFromWeights, $"{what}; took {DtypeRules.Name(stored)} from the weights."));
            return stored;
        }

        reasons.Add("config.json declares no dtype and the weights were not read");
        return null;
    }

    private static (IReadOnlyList<PlanDevice> Candidates, string? Error) Candidates(
        IReadOnlyList<PlanDevice> devices, string? requested, bool strict, List<string> reasons, List<PrecisionWarning> warnings)
    {
        var auto = devices.Where(d => d.IsGpu).Concat(devices.Where(d => !d.IsGpu)).ToList();
        var key = (requested ?? "auto").Trim().ToLowerInvariant();
        if (key == "auto")
        {
            reasons.Add("device auto: the first usable GPU where the model fits, else the CPU");
            return (auto, null);
        }

        List<PlanDevice> chosen = key switch
        {
            "cpu" => devices.Where(d => !d.IsGpu).ToList(),
            "cuda" => devices.Where(d => d.IsGpu).ToList(),
            _ when key.StartsWith("cuda:", StringComparison.Ordinal) => devices.Where(d => d.Name == key).ToList(),
            _ => throw new ArgumentException($"Unknown device '{requested}': use auto, cpu, cuda or cuda:N.", nameof(requested)),
        };

        if (chosen.Count > 0)
        {
            reasons.Add($"device {key} was requested");
            if (strict)
            {
                return (chosen, null);
            }

            // Not strict: the requested device first, then the others in auto order, with a warning if it comes to that.
            return (chosen.Concat(auto.Except(chosen)).ToList(), null);
        }

        var message = $"device {key} was requested but this hardware has none";
        if (strict)
        {
            return ([], message);
        }

        warnings.Add(new PrecisionWarning(RuntimeCodes.DeviceNotUsable, $"{message}; choosing automatically instead."));
        reasons.Add($"{message}; choosing automatically instead");
        return (auto, null);
    }

    /// <summary>On a real device, runs a tiny matmul in the dtype; falls back to a safer dtype (with a warning) when it fails.</summary>
    private DType Prove(DType dtype, PlanDevice device, ModelConfig config, bool strict, out List<string> notes, out List<PrecisionWarning> warnings, out string? error)
    {
        notes = [];
        warnings = [];
        error = null;
        if (_probe is null || !device.IsReal || dtype == DType.Float32)
        {
            return dtype;
        }

        while (dtype != DType.Float32)
        {
            if (_probe.TryMatmul(device.Name, dtype, out var failure))
            {
                notes.Add($"a {DtypeRules.Name(dtype)} matmul ran on {device.Name}");
                return dtype;
            }

            var safer = DtypeRules.SaferThan(dtype, device, config);
            var message = $"a {DtypeRules.Name(dtype)} matmul failed on {device.Name}: {failure}";
            if (strict)
            {
                error = message;
                return dtype;
            }

            warnings.Add(new PrecisionWarning(RuntimeCodes.BFloat16Unsupported, $"{message}; using {DtypeRules.Name(safer)} instead."));
            notes.Add($"{message}; fell back to {DtypeRules.Name(safer)}");
            dtype = safer;
        }

        return dtype;
    }

    private static (long Kv, long Required, long WithHeadroom) Need(ModelConfig config, PlanRequest request, long parameters, Dictionary<DType, long> weights, long context, DType dtype, WeightQuantization quantization = WeightQuantization.None, bool head = false)
    {
        if (quantization != WeightQuantization.None && request.Mode == PlanMode.Inference)
        {
            var qKv = MemoryEstimator.KvCacheBytes(config, context, dtype);
            var qRequired = MemoryEstimator.QuantizedWeightBytes(config, parameters, dtype, quantization, head) + qKv;
            return (qKv, qRequired, (long)(qRequired * (1 + Headroom)));
        }

        var kv = request.Mode == PlanMode.Inference ? MemoryEstimator.KvCacheBytes(config, context, dtype) : 0;
        var required = request.Mode switch
        {
            PlanMode.Training => MemoryEstimator.FullFineTuneBytes(parameters, dtype),
            PlanMode.LoraTraining => MemoryEstimator.LoraTrainingBytes(parameters, MemoryEstimator.LoraParameters(config, request.LoraRank, request.LoraTargets), dtype),
            _ => weights[dtype] + kv,
        };
        return (kv, required, checked((long)(required * (1 + Headroom))));
    }

    private static string QuantizedParts(ModelConfig config, bool head) =>
        !head ? "the layers' projections" : config.TieWordEmbeddings ? "the layers' projections and the embedding table the LM head shares" : "the layers' projections and the LM head";

    private static string KeptParts(ModelConfig config, bool head) =>
        !head ? "embeddings, norms, the LM head" : config.TieWordEmbeddings ? "norms" : "embeddings, norms";

    /// <summary><c>int8</c>, <c>int4</c>, <c>none</c>, <c>auto</c>.</summary>
    public static string Name(WeightQuantization quantization) => quantization.ToString().ToLowerInvariant();

    private static bool Matches(PlanDevice device, string? requested) => (requested ?? "auto").Trim().ToLowerInvariant() switch
    {
        "auto" => true,
        "cpu" => !device.IsGpu,
        "cuda" => device.IsGpu,
        var name => device.Name == name,
    };

    private static string Describe(ModelConfig config, PlanRequest request, long weights, long kv, long context) => request.Mode switch
    {
        PlanMode.Training => "weights, gradients, and Adam state with float32 master weights; activations not included",
        PlanMode.LoraTraining => $"frozen weights {Bytes(weights)} + LoRA r={request.LoraRank} adapters ({MemoryEstimator.LoraParameters(config, request.LoraRank, request.LoraTargets):N0} parameters) with float32 gradients and AdamW state; activations not included",
        _ => kv > 0 ? $"weights {Bytes(weights)} + cache for {context} tokens {Bytes(kv)}" : $"weights {Bytes(weights)}",
    };

    /// <summary>Bytes in decimal gigabytes (as GPU makers and the failure reports count them), or megabytes when small.</summary>
    public static string Bytes(long bytes) => bytes >= 1_000_000_000
        ? (bytes / 1e9).ToString("0.0", CultureInfo.InvariantCulture) + " GB"
        : (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
}

/// <summary>Proves that a dtype runs on a device of this machine.</summary>
public interface IDtypeProbe
{
    /// <summary>Runs a tiny matrix multiplication in <paramref name="dtype"/> on <paramref name="device"/>; false with the error when it fails.</summary>
    bool TryMatmul(string device, DType dtype, out string? error);
}
