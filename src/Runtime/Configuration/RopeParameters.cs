namespace PrecisionAnalyzers.Runtime.Configuration;

/// <summary>Rotary position embedding settings for one kind of layer.</summary>
/// <param name="Theta">The base (<c>rope_theta</c>).</param>
/// <param name="Type">The scaling type: <c>default</c>, <c>linear</c>, <c>dynamic</c>, <c>yarn</c>, <c>longrope</c>, <c>llama3</c>.</param>
/// <param name="Factor">The scaling factor, when scaled.</param>
/// <param name="LowFreqFactor">Llama 3 scaling: low-frequency factor.</param>
/// <param name="HighFreqFactor">Llama 3 scaling: high-frequency factor.</param>
/// <param name="OriginalMaxPositionEmbeddings">Llama 3 / YaRN scaling: the pre-training context length.</param>
public sealed record RopeParameters(
    double Theta,
    string Type = "default",
    double? Factor = null,
    double? LowFreqFactor = null,
    double? HighFreqFactor = null,
    long? OriginalMaxPositionEmbeddings = null)
{
    /// <summary>Reads v4 style (<c>rope_theta</c> + <c>rope_scaling</c>) into parameters.</summary>
    internal static RopeParameters FromLegacy(double theta, ConfigReader? scaling) =>
        scaling is null
            ? new RopeParameters(theta)
            : Read(scaling, theta);

    /// <summary>Reads one v5 <c>rope_parameters</c> object (or a v4 <c>rope_scaling</c> one) over a default theta.</summary>
    internal static RopeParameters Read(ConfigReader json, double defaultTheta)
    {
        var result = new RopeParameters(
            json.Positive("rope_theta") ?? defaultTheta,
            json.String("rope_type") ?? json.String("type") ?? "default",
            json.Positive("factor"),
            json.Positive("low_freq_factor"),
            json.Positive("high_freq_factor"),
            json.Integer("original_max_position_embeddings", 1));
        if ((result.HighFreqFactor ?? 4.0) <= (result.LowFreqFactor ?? 1.0) && result.Type == "llama3")
        {
            throw json.Error("high_freq_factor", $"must be above low_freq_factor ({result.LowFreqFactor ?? 1.0}); got {result.HighFreqFactor ?? 4.0}");
        }

        return result;
    }
}

/// <summary>Vision tower of a multimodal checkpoint (SigLIP in Gemma 3), only as far as counting its parameters needs.</summary>
public sealed record VisionConfig(long HiddenSize, long IntermediateSize, long NumHiddenLayers, long ImageSize, long PatchSize, long NumChannels);

/// <summary>The attention kind of one decoder layer.</summary>
public enum LayerType
{
    FullAttention,
    SlidingAttention,
}
