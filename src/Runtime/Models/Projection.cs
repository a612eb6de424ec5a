using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Quantization;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// One linear projection of a decoder layer (<c>q_proj</c>, <c>gate_proj</c>, …): a frozen weight and optional bias in the
/// model dtype, and optionally a LoRA adapter whose low-rank update is added to the output.
/// </summary>
public sealed class Projection
{
    internal Projection(string moduleName, Tensor weight, Tensor? bias)
    {
        ModuleName = moduleName;
        Weight = weight;
        Bias = bias;
    }

    internal Projection(string moduleName, QuantizedWeight quantized, Tensor? bias)
    {
        ModuleName = moduleName;
        Quantized = quantized;
        Bias = bias;
    }

    /// <summary>The Hugging Face module name, e.g. <c>model.layers.0.self_attn.q_proj</c>.</summary>
    public string ModuleName { get; }

    /// <summary>The short name the LoRA target modules use, e.g. <c>q_proj</c>.</summary>
    public string ShortName => ModuleName[(ModuleName.LastIndexOf('.') + 1)..];

    /// <summary>[out, in] in the model dtype; never trained. Null when the weight is quantized (<see cref="Quantized"/>).</summary>
    public Tensor? Weight { get; }

    /// <summary>The weight in a block format (int8 or int4), or null when it is in the model dtype.</summary>
    public QuantizedWeight? Quantized { get; }

    public Tensor? Bias { get; }

    public long InFeatures => Quantized?.Columns ?? Weight!.shape[1];

    public long OutFeatures => Quantized?.Rows ?? Weight!.shape[0];

    /// <summary>The adapter added to this projection's output, if any.</summary>
    public LoraAdapter? Adapter { get; internal set; }

    /// <summary>
    /// Each projection of the same input, in one split GEMV when the kernels apply and no adapter is attached (q/k/v,
    /// gate/up of a decode step), else one by one.
    /// </summary>
    public static Tensor[] ForwardTogether(Tensor x, params Projection[] projections)
    {
        // Quantized weights have their own kernels (Quantization/), one projection at a time.
        if (projections.All(p => p.Adapter is null && p.Weight is not null))
        {
            var pairs = projections.Select(p => (p.Weight!, p.Bias)).ToArray();
            if (CpuGemv.TryLinear(x, pairs) is { } outputs)
            {
                return outputs;
            }
        }

        return projections.Select(p => p.Forward(x)).ToArray();
    }

    /// <summary>x·Wᵀ + b, plus the adapter's update when one is attached.</summary>
    public Tensor Forward(Tensor x)
    {
        var output = Quantized is not null ? Quantized.Linear(x, Bias) : CpuGemv.TryLinear(x, Weight!, Bias) ?? F.linear(x, Weight!, Bias);
        return Adapter is null ? output : Adapter.AddTo(output, x);
    }
}
