using System.Collections.Immutable;
using System.Linq;

namespace PrecisionAnalyzers.Analyzers;

/// <summary>
/// The dtypes a value can hold, as far as the code shows (<see cref="DtypeFlow"/>): member names of TorchSharp's
/// <c>ScalarType</c> or the runtime's <c>DType</c> (<c>Float16</c>, <c>BFloat16</c>, <c>Float32</c>, <c>Auto</c>, …), and whether
/// some path leads to a value the code does not show (a parameter, a file, another assembly).
/// </summary>
internal sealed class DtypeValues
{
    public static readonly DtypeValues Unknown = new(ImmutableHashSet<string>.Empty, unknown: true);

    public static readonly DtypeValues None = new(ImmutableHashSet<string>.Empty, unknown: false);

    private DtypeValues(ImmutableHashSet<string> names, bool unknown)
    {
        Names = names;
        HasUnknown = unknown;
    }

    public ImmutableHashSet<string> Names { get; }

    /// <summary>Whether some path leads to a value the code does not show.</summary>
    public bool HasUnknown { get; }

    public static DtypeValues Of(string name) => new(ImmutableHashSet.Create(name), unknown: false);

    public DtypeValues Union(DtypeValues other) => new(Names.Union(other.Names), HasUnknown || other.HasUnknown);

    /// <summary>Every value the code shows is one of <paramref name="names"/>, there is at least one, and none is unknown.</summary>
    public bool AllIn(params string[] names) => !HasUnknown && Names.Count > 0 && Names.All(n => names.Contains(n));

    /// <summary>Every path is FP16.</summary>
    public bool IsFloat16 => AllIn("Float16");

    /// <summary>Every path is FP16 or BF16.</summary>
    public bool IsHalf => AllIn("Float16", "BFloat16");

    /// <summary>"Float16", or "Float16 or BFloat16" when the paths differ.</summary>
    public string Display => string.Join(" or ", Names.OrderBy(n => n, System.StringComparer.Ordinal));

    /// <summary>The dtype a name from configuration text stands for (<c>"fp16"</c>, <c>"half"</c>, <c>"bfloat16"</c>), or null.</summary>
    public static string? FromText(string text) => text.Trim().ToLowerInvariant() switch
    {
        "float16" or "fp16" or "f16" or "half" or "torch.float16" or "torch.half" => "Float16",
        "bfloat16" or "bf16" or "torch.bfloat16" => "BFloat16",
        "float32" or "fp32" or "f32" or "float" or "torch.float32" or "torch.float" => "Float32",
        "float64" or "fp64" or "double" or "torch.float64" => "Float64",
        "auto" => "Auto",
        _ => null,
    };
}
