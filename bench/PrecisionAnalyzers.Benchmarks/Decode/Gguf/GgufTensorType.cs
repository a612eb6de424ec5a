namespace PrecisionAnalyzers.Benchmarks.Decode.Gguf;

/// <summary>The ggml tensor types this benchmark writes, with their numbers in the GGUF tensor-info table.</summary>
internal enum GgufTensorType : uint
{
    F32 = 0,
    F16 = 1,
    BF16 = 30,
}
