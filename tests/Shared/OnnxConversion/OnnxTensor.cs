using System.Runtime.InteropServices;

namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>One tensor stored in an ONNX graph (an initializer): name, shape, ONNX element type and its little-endian bytes.</summary>
internal sealed record OnnxTensor(string Name, long[] Dims, int DataType, byte[] Data)
{
    /// <summary>TensorProto.DataType FLOAT.</summary>
    public const int Float = 1;

    public float[] Floats() => DataType == Float
        ? MemoryMarshal.Cast<byte, float>(Data).ToArray()
        : throw new InvalidOperationException($"{Name} is ONNX type {DataType}, not float");
}
