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
    /// <exception cref="Diagnostics.UnsupportedModelException">The decoder does not implement <paramref name="name"/> (PREC111).</exception>
    public static MlpActivation FromName(string name) =>
        TryFromName(name, out var activation) ? activation : throw new Diagnostics.UnsupportedModelException(RuntimeSupport.UnknownActivation(name) + ".");

    public static bool TryFromName(string name, out MlpActivation activation)
    {
        (var known, activation) = name switch
        {
            "silu" or "swish" => (true, MlpActivation.Silu),
            "gelu_pytorch_tanh" or "gelu_new" or "gelu_fast" => (true, MlpActivation.GeluTanh),
            "gelu" => (true, MlpActivation.Gelu),
            _ => (false, MlpActivation.Silu),
        };
        return known;
    }
}
