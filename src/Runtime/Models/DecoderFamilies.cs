using System.Collections.Concurrent;
using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>The decoder families the runtime can run, keyed by <c>model_type</c>. A new family is one class plus one <see cref="Register"/>.</summary>
public static class DecoderFamilies
{
    private static readonly ConcurrentDictionary<string, DecoderFamily> Known = new(StringComparer.Ordinal);

    static DecoderFamilies()
    {
        Register(new LlamaFamily());
        Register(new MistralFamily());
        Register(new Qwen2Family());
        Register(new GemmaFamily());
        Register(new Gemma2Family());
        Register(new Gemma3Family());
    }

    /// <summary>Every registered model type.</summary>
    public static IReadOnlyCollection<string> ModelTypes => Known.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Adds (or replaces) the family of its <see cref="DecoderFamily.ModelType"/>.</summary>
    public static void Register(DecoderFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);
        Known[family.ModelType] = family;
    }

    /// <summary>The family of <paramref name="modelType"/>, or null.</summary>
    public static DecoderFamily? Find(string modelType) => Known.TryGetValue(modelType, out var family) ? family : null;

    /// <summary>The family of the configuration's language model; throws when the runtime cannot run it.</summary>
    public static DecoderFamily For(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Find(config.ModelType) ?? throw new Diagnostics.UnsupportedModelException(RuntimeSupport.UnknownModelType(config) + ".");
    }
}
