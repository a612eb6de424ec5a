using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Cli.Tests;

/// <summary>A model whose FP32 activations go non-finite ends in a PREC104 message and exit 3, not an exception.</summary>
public sealed class NonFiniteRunTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task NaN_weights_in_float32_are_exit_3_with_PREC104_and_nothing_on_stdout()
    {
        var folder = Path.Combine(_root.Path, "nan");
        Directory.CreateDirectory(folder);
        using (var tiny = TinyModelFactory.Create("llama"))
        {
            tiny.Weights["model.layers.0.mlp.down_proj.weight"].fill_(float.NaN);
            File.WriteAllText(Path.Combine(folder, "config.json"), tiny.ConfigJson);
            SafetensorsWriter.Write(Path.Combine(folder, Checkpoint.SingleFile), tiny.Weights);
        }

        var (code, output, error) = await CliRunner.RunWithinAsync(TimeSpan.FromMinutes(2), "run", folder, "--prompt-tokens", "1,2,3", "--max-new-tokens", "4", "--dtype", "float32", "--json");

        Assert.Equal(3, code);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("error: PREC104: non-finite activations in float32 after decoder layer 0", error, StringComparison.Ordinal);
        Assert.Contains("NaN/Inf weights", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }
}
