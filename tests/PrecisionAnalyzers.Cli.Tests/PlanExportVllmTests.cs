using System.Text.Json;

namespace PrecisionAnalyzers.Cli.Tests;

/// <summary><c>precision plan PATH --hardware PROFILE --export vllm</c>: the vllm serve command with its reasons.</summary>
public sealed class PlanExportVllmTests
{
    private const string Llama31_70B = """{"model_type":"llama","hidden_size":8192,"intermediate_size":28672,"num_hidden_layers":80,"num_attention_heads":64,"num_key_value_heads":8,"vocab_size":128256,"max_position_embeddings":131072,"torch_dtype":"bfloat16"}""";
    private const string Gemma2_9B = """{"model_type":"gemma2","hidden_size":3584,"intermediate_size":14336,"num_hidden_layers":42,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":256,"vocab_size":256000,"sliding_window":4096,"max_position_embeddings":8192,"torch_dtype":"float32"}""";

    [Fact]
    public async Task A_70B_config_on_two_nodes_prints_the_command_with_a_reason_for_each_flag()
    {
        using var folder = new TempFolder();
        var config = folder.Write("llama-70b/config.json", Llama31_70B);

        var (code, output, error) = await CliRunner.RunAsync("plan", config, "--hardware", "2x8xa100-80gb", "--export", "vllm");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("vllm serve ", output, StringComparison.Ordinal);
        Assert.Contains("--dtype bfloat16", output, StringComparison.Ordinal);
        Assert.Contains("--tensor-parallel-size 4", output, StringComparison.Ordinal);
        Assert.Contains("# --tensor-parallel-size 4: ", output, StringComparison.Ordinal);
        Assert.Contains("# --max-model-len ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gemma_on_a_T4_gets_float32_in_json_and_Pascal_cannot_serve()
    {
        using var folder = new TempFolder();
        var config = folder.Write("gemma/config.json", Gemma2_9B);

        var (code, output, _) = await CliRunner.RunAsync("plan", config, "--hardware", "4xt4-16gb", "--export", "vllm", "--dtype", "float16", "--json");
        var (pascalCode, pascal, _) = await CliRunner.RunAsync("plan", config, "--hardware", "pascal-5gb", "--export", "vllm");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var dtype = json.RootElement.GetProperty("flags").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "--dtype");
        Assert.Equal("float32", dtype.GetProperty("value").GetString());
        Assert.Contains("unsafe in float16", dtype.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, pascalCode);
        Assert.Contains("cannot serve", pascal, StringComparison.Ordinal);
    }
}
