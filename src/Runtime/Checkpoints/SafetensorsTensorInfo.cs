using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Checkpoints;

/// <summary>One validated tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Dtype">The format's dtype name, e.g. <c>BF16</c>.</param>
/// <param name="Type">The TorchSharp type of the stored bytes.</param>
/// <param name="Shape">The shape (empty for a scalar).</param>
/// <param name="Begin">Start of its bytes, relative to the data area.</param>
/// <param name="End">End of its bytes (exclusive), relative to the data area.</param>
public sealed record SafetensorsTensorInfo(string Name, string Dtype, ScalarType Type, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
