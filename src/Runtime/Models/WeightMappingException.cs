namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>The weights do not fit the model the configuration describes: every missing, unexpected and mis-shaped name at once.</summary>
public sealed class WeightMappingException : Exception
{
    /// <param name="modelType">The configuration's model type.</param>
    /// <param name="missing">Names the model needs and the weights lack.</param>
    /// <param name="unexpected">Names the weights hold and the model does not use (each with its file, when known).</param>
    /// <param name="misShaped">Names present with the wrong shape (each with its file, when known).</param>
    /// <param name="location">Where the weights are (the checkpoint folder), or null for weights in memory.</param>
    public WeightMappingException(string modelType, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misShaped, string? location = null)
        : base(Describe(modelType, missing, unexpected, misShaped, location))
    {
        Location = location;
        Missing = missing;
        Unexpected = unexpected;
        MisShaped = misShaped;
    }

    /// <summary>The checkpoint folder the weights came from, or null for weights in memory.</summary>
    public string? Location { get; }

    /// <summary>Names the model needs and the weights lack.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Names the weights hold and the model does not use.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Names present with the wrong shape, each as <c>name: expected [..], found [..]</c>.</summary>
    public IReadOnlyList<string> MisShaped { get; }

    private static string Describe(string modelType, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misShaped, string? location)
    {
        var parts = new List<string>();
        if (missing.Count > 0)
        {
            parts.Add($"missing ({missing.Count}): {string.Join(", ", missing)}");
        }

        if (unexpected.Count > 0)
        {
            parts.Add($"unexpected ({unexpected.Count}): {string.Join(", ", unexpected)}");
        }

        if (misShaped.Count > 0)
        {
            parts.Add($"mis-shaped ({misShaped.Count}): {string.Join("; ", misShaped)}");
        }

        var weights = location is null ? "The weights" : $"{location}: the weights";
        return $"{weights} do not match the {modelType} model of config.json. " + string.Join(". ", parts) + ".";
    }
}
