namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>Mistral: Llama's decoder with sliding-window attention on every layer when <c>sliding_window</c> is set.</summary>
public sealed class MistralFamily : DecoderFamily
{
    public override string ModelType => "mistral";
}
