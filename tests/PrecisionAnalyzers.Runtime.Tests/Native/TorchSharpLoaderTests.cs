using PrecisionAnalyzers.Runtime.Native;
using TorchSharp;

namespace PrecisionAnalyzers.Runtime.Tests.Native;

public sealed class TorchSharpLoaderTests
{
    [Fact]
    public void A_TorchSharp_operation_runs_on_this_machine()
    {
        var status = TorchSharpLoader.EnsureLoaded();

        Assert.True(status.Loaded);
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var product = a.matmul(a.t());
        Assert.Equal(new float[] { 5, 14, 14, 50 }, product.data<float>().ToArray());
    }
}
