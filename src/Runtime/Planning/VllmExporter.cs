using System.Globalization;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Hardware;

namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>
/// Carries a plan to vLLM. The same rules as <see cref="DtypeRules"/> pick the dtype for the profile's GPUs (never float16
/// for an FP16-unsafe family, never bfloat16 below compute capability 8.0); tensor parallelism grows within a node and
/// pipeline parallelism across nodes until the weights fit (vLLM's distributed-serving guidance: TP = GPUs per node,
/// PP = nodes); <c>--max-model-len</c> is what the KV cache leaves after the weights; FP8 quantization is chosen only
/// when 16-bit weights fit nowhere and the GPUs have FP8 (compute 8.9+).
/// </summary>
public static class VllmExporter
{
    /// <summary>vLLM's default share of each GPU's memory.</summary>
    public const double GpuMemoryUtilization = 0.90;

    /// <summary>vLLM runs on compute capability 7.0 and newer.</summary>
    public const int MinimumCapability = 70;

    /// <summary>FP8 (W8A8) kernels need Ada or Hopper.</summary>
    public const int Fp8Capability = 89;

    /// <summary>Per GPU, held back for activations, CUDA graphs and the NCCL buffers (an estimate).</summary>
    public const long ActivationReserveBytes = 2_000_000_000;

    /// <summary>Shortest context worth serving: below it the plan reports that the model does not fit.</summary>
    public const long MinimumContext = 2048;

    public static VllmPlan Plan(ModelConfig config, HardwareProfile profile, string model, DType? requested = null, DType? checkpointDtype = null, long? context = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(model);
        var notes = new List<string>();
        var flags = new List<VllmFlag>();
        VllmPlan Refuse(string error) => new() { Model = model, Flags = [], Notes = notes, Error = error };

        if (config.Kind == ModelKind.Encoder)
        {
            return Refuse($"{config.ModelType} is an encoder; this export is for decoders (serve embeddings with precision serve).");
        }

        if (profile.Gpus.Count == 0)
        {
            return Refuse($"{profile.Name} has no GPU; vLLM's GPU engine needs one (use precision serve on CPUs).");
        }

        var gpu = profile.Gpus[0];
        if (profile.Gpus.Any(g => g.ComputeCapability != gpu.ComputeCapability || g.TotalMemoryBytes != gpu.TotalMemoryBytes))
        {
            return Refuse($"{profile.Name} mixes GPU kinds; vLLM shards evenly, so plan for one kind.");
        }

        var perNode = profile.Gpus.Count;
        var nodes = Math.Max(1, profile.Nodes);
        notes.Add($"{profile.Name}: {nodes} node(s) × {perNode} × {gpu.Name} (compute {gpu.ComputeCapability}, {gpu.TotalMemoryBytes / 1e9:0.#} GB)");
        if (gpu.Capability < MinimumCapability)
        {
            return Refuse($"{gpu.Name} has compute capability {gpu.ComputeCapability}; vLLM needs 7.0 or newer. Serve with precision serve (CPU) or on newer GPUs.");
        }

        var device = new PlanDevice($"{gpu.Name}", $"compute {gpu.ComputeCapability}", IsGpu: true, gpu.TotalMemoryBytes, null,
            RunsBFloat16: gpu.Capability >= PlanDevices.BFloat16Capability, FastBFloat16: gpu.Capability >= PlanDevices.BFloat16Capability,
            RunsFloat16: gpu.Capability >= PlanDevices.Float16Capability, FastFloat16: gpu.Capability >= PlanDevices.Float16Capability, IsReal: false);
        // An explicit float16 for an FP16-unsafe family is not carried to a cluster: the overflow guard that lets the
        // runtime honour it does not exist there, so the automatic choice (bfloat16, or float32) replaces it.
        var unsafeFloat16 = requested == DType.Float16 && config.Family?.Float16Unsafe is not null;
        var decision = requested is { } asked and not DType.Auto && !unsafeFloat16
            ? DtypeRules.ForExplicit(asked, device, config, strict: false)
            : DtypeRules.ForAuto(device, config, checkpointDtype ?? config.DeclaredDtype);
        var dtype = decision.Dtype ?? DType.Float32;
        var dtypeReason = string.Join("; ", (unsafeFloat16 ? [$"float16 was asked for, but {config.ModelType} is unsafe in float16 and vLLM has no overflow guard"] : Array.Empty<string>())
            .Concat(decision.Reasons).Concat(decision.Warnings.Select(w => $"{w.Code}: {w.Message}")));

        var parameters = ParameterCounter.Count(config).Total;
        var usable = (long)(gpu.TotalMemoryBytes * GpuMemoryUtilization) - ActivationReserveBytes;
        var trained = config.MaxPositionEmbeddings ?? 4096;
        var wanted = Math.Min(context ?? trained, trained);
        var kvPerToken = MemoryEstimator.KvCacheBytes(config, 1, dtype);

        // Smallest layout whose weights fit with room for at least the minimum context: TP within a node (a divisor of the
        // attention heads), then PP across nodes.
        string? quantization = null;
        (int Tp, int Pp)? layout = null;
        foreach (var weightBytesPerParameter in new[] { (double)MemoryEstimator.BytesPerElement(dtype), 1.0 })
        {
            if (weightBytesPerParameter == 1.0 && (gpu.Capability < Fp8Capability || MemoryEstimator.BytesPerElement(dtype) != 2))
            {
                break;
            }

            var weights = (long)(parameters * weightBytesPerParameter);
            foreach (var (tp, pp) in Layouts(perNode, nodes, config))
            {
                var shards = tp * pp;
                var free = usable - weights / shards;
                if (free > 0 && free * shards / Math.Max(1, kvPerToken) >= Math.Min(MinimumContext, wanted))
                {
                    layout = (tp, pp);
                    break;
                }
            }

            if (layout is not null)
            {
                quantization = weightBytesPerParameter == 1.0 ? "fp8" : null;
                break;
            }
        }

        var weightBytes = MemoryEstimator.WeightBytes(parameters, dtype);
        notes.Add($"{config.ModelType}, {parameters.ToString("N0", CultureInfo.InvariantCulture)} parameters: {weightBytes / 1e9:0.#} GB of weights in {DtypeRules.Name(dtype)}; KV cache {kvPerToken / 1024.0:0.#} KiB a token");
        notes.Add($"usable per GPU: {GpuMemoryUtilization:0.00} × {gpu.TotalMemoryBytes / 1e9:0.#} GB less {ActivationReserveBytes / 1e9:0.#} GB for activations = {usable / 1e9:0.#} GB");
        if (layout is not { } chosen)
        {
            var all = (long)perNode * nodes;
            return Refuse($"{weightBytes / 1e9:0.#} GB of {DtypeRules.Name(dtype)} weights plus a {Math.Min(MinimumContext, wanted)}-token KV cache do not fit in {all} × {usable / 1e9:0.#} GB usable" +
                          (gpu.Capability >= Fp8Capability ? ", even quantized to FP8" : $" (FP8 quantization needs compute 8.9+, these have {gpu.ComputeCapability})") + "; add GPUs or nodes.");
        }

        var (tpSize, ppSize) = chosen;
        var shardWeights = (long)(parameters * (quantization is null ? MemoryEstimator.BytesPerElement(dtype) : 1.0)) / (tpSize * ppSize);
        var kvRoom = (usable - shardWeights) * tpSize * ppSize;
        var fits = kvRoom / Math.Max(1, kvPerToken);
        var maxLen = Math.Min(wanted, fits);
        if (maxLen < wanted)
        {
            maxLen = Math.Max(16, maxLen / 256 * 256);
        }

        flags.Add(new VllmFlag("--dtype", DtypeRules.Name(dtype), dtypeReason));
        flags.Add(new VllmFlag("--tensor-parallel-size", tpSize.ToString(CultureInfo.InvariantCulture), tpSize == 1
            ? "the weights fit on one GPU"
            : $"{weightBytes / 1e9:0.#} GB of weights do not fit on fewer GPUs with room for the cache; split across {tpSize} GPUs of a node ({config.NumAttentionHeads} attention heads divide evenly)"));
        flags.Add(new VllmFlag("--pipeline-parallel-size", ppSize.ToString(CultureInfo.InvariantCulture), ppSize == 1
            ? "one node holds the model"
            : $"one node's {perNode} GPUs are not enough; the {config.NumHiddenLayers} layers are split across {ppSize} nodes (tensor parallel within a node, pipeline parallel across nodes)"));
        flags.Add(new VllmFlag("--max-model-len", maxLen.ToString(CultureInfo.InvariantCulture), maxLen == wanted
            ? $"{(context is null ? "the model's max_position_embeddings" : "the context asked for")} ({wanted}) fits: the cache has room for {fits.ToString("N0", CultureInfo.InvariantCulture)} tokens after the weights"
            : $"after {shardWeights / 1e9:0.#} GB of weights per GPU the KV cache holds {fits.ToString("N0", CultureInfo.InvariantCulture)} tokens, less than the {wanted} asked; rounded down to a multiple of 256"));
        flags.Add(new VllmFlag("--gpu-memory-utilization", GpuMemoryUtilization.ToString("0.00", CultureInfo.InvariantCulture), "vLLM's default share of each GPU, which the memory figures above assume"));
        if (quantization is not null)
        {
            flags.Add(new VllmFlag("--quantization", quantization, $"{DtypeRules.Name(dtype)} weights ({weightBytes / 1e9:0.#} GB) fit on no layout of these GPUs; FP8 halves them and compute {gpu.ComputeCapability} runs FP8"));
        }

        var before = new List<string>();
        if (ppSize > 1 || tpSize * ppSize > perNode)
        {
            flags.Add(new VllmFlag("--distributed-executor-backend", "ray", $"{ppSize} nodes: vLLM runs across machines on a Ray cluster"));
            before.Add($"start a Ray cluster over the {ppSize} nodes (ray start --head on one, ray start --address=HEAD:6379 on the others), the model at the same path on each");
        }

        return new VllmPlan { Model = model, Flags = flags, Notes = notes, Before = before };
    }

    // Layouts in the order tried: fewest GPUs first; TP a power of two within a node dividing the heads, PP up to the nodes.
    private static IEnumerable<(int Tp, int Pp)> Layouts(int perNode, int nodes, ModelConfig config)
    {
        var tps = new List<int>();
        for (var tp = 1; tp <= perNode; tp *= 2)
        {
            if (config.NumAttentionHeads % tp == 0)
            {
                tps.Add(tp);
            }
        }

        return tps.SelectMany(tp => Enumerable.Range(1, nodes).Where(pp => pp == 1 || (tp == tps[^1] && pp <= config.NumHiddenLayers)).Select(pp => (tp, pp)))
            .OrderBy(l => l.tp * l.pp).ThenBy(l => l.pp);
    }
}
