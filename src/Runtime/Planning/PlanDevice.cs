namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>One device a plan may place the model on, with what the planner needs to know about it.</summary>
/// <param name="Name"><c>cpu</c> or <c>cuda:N</c>.</param>
/// <param name="Description">For people, e.g. "NVIDIA Tesla T4 (compute 7.5, 16.0 GB)".</param>
/// <param name="IsGpu">True for CUDA devices.</param>
/// <param name="MemoryBytes">Memory the model may use: free GPU memory, or available RAM.</param>
/// <param name="UnusableReason">Why nothing can run on this device (e.g. a GPU older than the CUDA backend supports), or null.</param>
/// <param name="RunsBFloat16">BF16 matrix multiplication runs on it.</param>
/// <param name="FastBFloat16">BF16 is native (not emulated through FP32).</param>
/// <param name="RunsFloat16">FP16 matrix multiplication runs on it.</param>
/// <param name="FastFloat16">FP16 is native.</param>
/// <param name="IsReal">True when this is a device of this machine (a dtype can be proven on it with a real matmul).</param>
public sealed record PlanDevice(
    string Name,
    string Description,
    bool IsGpu,
    long MemoryBytes,
    string? UnusableReason,
    bool RunsBFloat16,
    bool FastBFloat16,
    bool RunsFloat16,
    bool FastFloat16,
    bool IsReal)
{
    public bool IsUsable => UnusableReason is null;

    /// <summary>Whether <paramref name="dtype"/> runs on this device at all.</summary>
    public bool Runs(DType dtype) => dtype switch
    {
        DType.Float32 => true,
        DType.BFloat16 => RunsBFloat16,
        DType.Float16 => RunsFloat16,
        _ => false,
    };
}
