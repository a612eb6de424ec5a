using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Quantization;

/// <summary>The address of a contiguous CPU tensor's storage (native memory, which does not move while the tensor lives).</summary>
internal static unsafe class NativeData
{
    public static void* Of(Tensor tensor)
    {
        if (tensor.device_type != TorchSharp.DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new InvalidOperationException("only a contiguous CPU tensor has a storage address to read.");
        }

        fixed (byte* data = tensor.bytes)
        {
            return data;
        }
    }
}
