using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PrecisionAnalyzers.Runtime.Adapters;

/// <summary>
/// The low-rank update of one projection: <c>y += (dropout(x)·Aᵀ)·Bᵀ · alpha/r</c>. A [r, in] and B [out, r] are FP32 master
/// weights (the trainable parameters); the update is computed in the activation dtype, so gradients flow back into FP32.
/// </summary>
public sealed class LoraAdapter : IDisposable
{
    private readonly LoraAdapterSet _owner;

    internal LoraAdapter(LoraAdapterSet owner, string moduleName, Tensor a, Tensor b)
    {
        _owner = owner;
        ModuleName = moduleName;
        A = a;
        B = b;
    }

    /// <summary>The Hugging Face module name of the adapted projection, e.g. <c>model.layers.0.self_attn.q_proj</c>.</summary>
    public string ModuleName { get; }

    /// <summary>[r, in], FP32, requires grad.</summary>
    public Tensor A { get; }

    /// <summary>[out, r], FP32, requires grad.</summary>
    public Tensor B { get; }

    /// <summary>PEFT's name for <see cref="A"/> in <c>adapter_model.safetensors</c>.</summary>
    public string PeftNameA => PeftAdapterFormat.TensorName(ModuleName, "lora_A");

    /// <summary>PEFT's name for <see cref="B"/>.</summary>
    public string PeftNameB => PeftAdapterFormat.TensorName(ModuleName, "lora_B");

    /// <summary><paramref name="output"/> (the projection of <paramref name="x"/>) plus this adapter's update.</summary>
    public Tensor AddTo(Tensor output, Tensor x)
    {
        using var scope = NewDisposeScope();
        var input = _owner.ApplyDropout(x);
        var a = A.to_type(x.dtype);
        var b = B.to_type(x.dtype);
        var update = F.linear(F.linear(input, a), b) * _owner.Options.Scaling;
        return (output + update).MoveToOuterDisposeScope();
    }

    /// <summary>The dense update scale·B·A [out, in] in FP32 (what merging adds to the base weight).</summary>
    public Tensor Delta()
    {
        using var noGrad = no_grad();
        return B.detach().matmul(A.detach()).mul_(_owner.Options.Scaling);
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
