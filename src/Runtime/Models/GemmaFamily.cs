namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>Gemma: RMSNorm with <c>(1 + weight)</c> in FP32, GeGLU (tanh GELU), embeddings × √hidden in the hidden dtype, tied head.</summary>
public sealed class GemmaFamily : DecoderFamily
{
    public override string ModelType => "gemma";

    public override NormStyle NormStyle => NormStyle.OnePlusWeightInFloat32;

    public override bool ScalesEmbeddings => true;
}
