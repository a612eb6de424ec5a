using TorchSharp;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Where a model's weights come from: Hugging Face state-dict names, their shapes, and each tensor converted to the
/// dtype and device the model runs in. A checkpoint reader implements it over memory-mapped files; tests and the tiny
/// model factory use <see cref="StateDictWeightSource"/> over tensors in memory.
/// </summary>
public interface IWeightSource
{
    /// <summary>Every tensor name the source holds.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The shape of <paramref name="name"/>, or null when the source does not hold it.</summary>
    long[]? Shape(string name);

    /// <summary>A new tensor the caller owns: the weight <paramref name="name"/> in <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    Tensor Get(string name, ScalarType dtype, Device device);

    /// <summary>Where the weights are (a checkpoint folder), for error messages; null for weights in memory.</summary>
    string? Location => null;

    /// <summary>The file that holds <paramref name="name"/> (a safetensors shard), for error messages; null when unknown.</summary>
    string? FileOf(string name) => null;
}

/// <summary>A state dict in memory (name → tensor) as a weight source. The tensors stay owned by the caller.</summary>
public sealed class StateDictWeightSource : IWeightSource
{
    private readonly IReadOnlyDictionary<string, Tensor> _tensors;

    public StateDictWeightSource(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _tensors = tensors;
    }

    public IReadOnlyCollection<string> Names => _tensors.Keys.ToArray();

    public long[]? Shape(string name) => _tensors.TryGetValue(name, out var tensor) ? tensor.shape : null;

    public Tensor Get(string name, ScalarType dtype, Device device)
    {
        if (!_tensors.TryGetValue(name, out var tensor))
        {
            throw new KeyNotFoundException($"The state dict has no tensor '{name}'.");
        }

        using var noGrad = torch.no_grad();
        return tensor.to(dtype, device, copy: true).DetachFromDisposeScope();
    }
}
