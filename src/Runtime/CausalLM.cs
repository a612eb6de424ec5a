using Microsoft.Extensions.Logging;

namespace PrecisionAnalyzers.Runtime;

/// <summary>A decoder language model loaded from a Hugging Face style checkpoint folder.</summary>
/// <remarks>The loading and generation paths arrive with the inference work (issue #3); this type fixes the contract the analyzers recognise.</remarks>
public sealed class CausalLM : IDisposable
{
    private CausalLM()
    {
    }

    /// <summary>Whether generation keeps a key/value cache. Ignored in training mode.</summary>
    public bool UseCache { get; set; }

    /// <summary>True after <see cref="Train"/>, false after <see cref="Eval"/>.</summary>
    public bool IsTraining { get; private set; }

    /// <summary>Loads the checkpoint at <paramref name="path"/> (a folder holding <c>config.json</c> and safetensors weights).</summary>
    public static CausalLM Load(string path, LoadOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        throw new NotSupportedException("CausalLM.Load is not implemented yet: decoder inference is tracked by issue #3.");
    }

    /// <summary>Switches to training mode: no generation cache is built.</summary>
    public void Train() => IsTraining = true;

    /// <summary>Switches to evaluation mode.</summary>
    public void Eval() => IsTraining = false;

    public void Dispose()
    {
    }
}
