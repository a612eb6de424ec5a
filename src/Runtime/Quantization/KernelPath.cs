namespace PrecisionAnalyzers.Runtime.Quantization;

/// <summary>The instruction set a quantized kernel runs with.</summary>
internal enum KernelPath
{
    Scalar,
    Avx2,
    Avx512,
}
