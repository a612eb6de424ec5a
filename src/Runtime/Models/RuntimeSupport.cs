using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Whether the runtime implements what a configuration describes, asked before anything is built: the planner turns the
/// answer into its "cannot run" verdict, and the model builders throw <see cref="Diagnostics.UnsupportedModelException"/>
/// with the same words.
/// </summary>
public static class RuntimeSupport
{
    /// <summary>The RoPE scaling types the decoder implements.</summary>
    public static IReadOnlyList<string> RopeTypes { get; } = ["default", "linear", "llama3"];

    /// <summary>
    /// The most layers the runtime builds: each is a module of about ten tensors with their handles and cache entries, a
    /// cost of its own beside the weights; 100,000 is some 800 times the deepest published model (126 layers).
    /// </summary>
    public const long MaxLayers = 100_000;

    /// <summary>Why the runtime cannot run <paramref name="config"/>, or null when it can.</summary>
    public static string? Problem(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.NumHiddenLayers > MaxLayers)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{config.Source}: num_hidden_layers is {config.NumHiddenLayers:N0}, more than the {MaxLayers:N0} layers this runtime builds");
        }

        if (config.Kind == ModelKind.Encoder)
        {
            return null;
        }

        if (DecoderFamilies.Find(config.ModelType) is null)
        {
            return UnknownModelType(config);
        }

        if (!MlpActivations.TryFromName(config.Activation, out _))
        {
            return UnknownActivation(config.Activation);
        }

        foreach (var rope in new[] { config.Rope, config.LocalRope })
        {
            if (!RopeTypes.Contains(rope.Type))
            {
                return UnknownRope(rope.Type);
            }

            if (rope.Type == "llama3" && rope.Factor is null)
            {
                return "llama3 RoPE scaling needs 'factor'";
            }
        }

        return null;
    }

    internal static string UnknownModelType(ModelConfig config) =>
        $"{config.Source}: model_type '{config.ModelType}' is not a decoder family this runtime runs; known: {string.Join(", ", DecoderFamilies.ModelTypes)}";

    internal static string UnknownActivation(string name) =>
        $"activation '{name}' is not one the decoder implements (silu, gelu_pytorch_tanh, gelu)";

    internal static string UnknownRope(string type) =>
        $"RoPE scaling '{type}' is not one the decoder implements ({string.Join(", ", RopeTypes)})";
}
