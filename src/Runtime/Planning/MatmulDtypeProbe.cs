using System.Runtime.InteropServices;
using PrecisionAnalyzers.Runtime.Native;
using TorchSharp;

namespace PrecisionAnalyzers.Runtime.Planning;

/// <summary>
/// Proves a dtype on a real device the way mistral.rs does: a 2×2 matrix multiplication, read back to the host.
/// A BF16 tensor can be created on GPUs whose cuBLAS has no BF16 GEMM; only a GEMM shows it.
/// </summary>
public sealed class MatmulDtypeProbe : IDtypeProbe
{
    public bool TryMatmul(string device, DType dtype, out string? error)
    {
        TorchSharpLoader.EnsureLoaded();
        try
        {
            using var scope = torch.NewDisposeScope();
            var scalar = dtype switch
            {
                DType.Float16 => torch.ScalarType.Float16,
                DType.BFloat16 => torch.ScalarType.BFloat16,
                _ => torch.ScalarType.Float32,
            };
            var a = torch.ones(2, 2, dtype: scalar, device: torch.device(device));
            var product = a.matmul(a).to(torch.ScalarType.Float32).cpu();
            var value = product[0, 0].item<float>();
            if (value != 2f)
            {
                error = $"the matmul returned {value} instead of 2";
                return false;
            }

            error = null;
            return true;
        }
        catch (Exception e) when (e is ExternalException or InvalidOperationException or ArgumentException or NotSupportedException)
        {
            error = e.Message.Split('\n')[0];
            return false;
        }
    }
}
