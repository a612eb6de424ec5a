namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>The activation of a gated MLP: SwiGLU uses SiLU, GeGLU uses GELU.</summary>
public enum MlpActivation
{
    Silu,
    GeluTanh,
    Gelu,
}

/// <summary>Maps Hugging Face activation names to <see cref="MlpActivation"/>.</summary>
public static class MlpActivations
{
    public static MlpActivation FromName(string name) => name switch
    {
        "silu" or "swish" => MlpActivation.Silu,
        "gelu_pytorch_tanh" or "gelu_new" or "gelu_fast" => MlpActivation.GeluTanh,
        "gelu" => MlpActivation.Gelu,
        _ => throw new NotSupportedException($"Activation '{name}' is not supported by the decoder (silu, gelu_pytorch_tanh, gelu)."),
    };
}
