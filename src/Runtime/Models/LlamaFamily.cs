namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>Llama: the reference decoder. RMSNorm cast-then-scale, SwiGLU, RoPE (with Llama 3 scaling when configured), head_dim^-0.5.</summary>
public sealed class LlamaFamily : DecoderFamily
{
    public override string ModelType => "llama";
}
