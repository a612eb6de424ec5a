using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>The safetensors dtype names, their TorchSharp types and element sizes, and the runtime's <see cref="DType"/>.</summary>
public static class SafetensorsDtypes
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> Supported = new(StringComparer.Ordinal)
    {
        ["F64"] = (ScalarType.Float64, 8),
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    // Part of the format, refused by name: TorchSharp 0.107 has no tensor type for them.
    private static readonly HashSet<string> Refused = new(StringComparer.Ordinal)
    {
        "F8_E4M3", "F8_E5M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F6_E2M3", "F6_E3M2", "F4", "U16", "U32", "U64", "C64",
    };

    /// <summary>True for a dtype name the format defines but this reader refuses.</summary>
    public static bool IsKnownButUnsupported(string name) => Refused.Contains(name);

    public static bool TryGet(string name, out ScalarType type, out int elementSize)
    {
        if (Supported.TryGetValue(name, out var entry))
        {
            (type, elementSize) = entry;
            return true;
        }

        type = default;
        elementSize = 0;
        return false;
    }

    public static string NameOf(ScalarType type) => Supported.FirstOrDefault(p => p.Value.Type == type).Key
        ?? throw new NotSupportedException($"safetensors has no dtype for TorchSharp's {type}.");

    public static int ElementSize(ScalarType type) => Supported.First(p => p.Value.Type == type).Value.Size;

    public static bool IsFloatingPoint(ScalarType type) => type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>The runtime dtype of a floating-point type, or null (F64 and integer types have none).</summary>
    public static DType? ToDType(ScalarType type) => type switch
    {
        ScalarType.Float32 => DType.Float32,
        ScalarType.Float16 => DType.Float16,
        ScalarType.BFloat16 => DType.BFloat16,
        _ => null,
    };

    public static ScalarType ToScalarType(DType dtype) => dtype switch
    {
        DType.Float32 => ScalarType.Float32,
        DType.Float16 => ScalarType.Float16,
        DType.BFloat16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Resolve Auto to a concrete dtype first."),
    };
}
