using System.Text.Json;

namespace PrecisionAnalyzers.Cli.Tests;

/// <summary><c>--quantize</c> on plan, run and embed: the planned format with its reasons, real quantized generation, refusals.</summary>
public sealed class QuantizeOptionTests
{
    // The size-determining keys of google/gemma-3-12b-it (about 12B parameters with its vision tower).
    private const string Gemma3_12B = """{"model_type":"gemma3","torch_dtype":"bfloat16","text_config":{"model_type":"gemma3_text","hidden_size":3840,"intermediate_size":15360,"num_hidden_layers":48,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":256,"vocab_size":262208,"sliding_window":1024},"vision_config":{"hidden_size":1152,"image_size":896,"intermediate_size":4304,"num_hidden_layers":27,"patch_size":14}}""";

    private static readonly string Stories = Path.Combine(AppContext.BaseDirectory, "models", "stories260K");

    [Fact]
    public async Task Plan_auto_puts_gemma_3_12b_on_a_t4_in_int8_with_float32_compute_and_a_PREC112()
    {
        using var folder = new TempFolder();
        folder.Write("config.json", Gemma3_12B);

        var (code, output, error) = await CliRunner.RunAsync("plan", folder.Path, "--hardware", "t4-16gb", "--quantize", "auto", "--json");
        var (plainCode, plain, _) = await CliRunner.RunAsync("plan", folder.Path, "--hardware", "t4-16gb", "--json");
        var (_, human, _) = await CliRunner.RunAsync("plan", folder.Path, "--hardware", "t4-16gb", "--quantize", "auto");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("int8", root.GetProperty("quantization").GetString());
        Assert.Equal("float32", root.GetProperty("dtype").GetString());
        Assert.Equal("cuda:0", root.GetProperty("device").GetString());
        Assert.Contains(root.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "PREC112");
        var memory = root.GetProperty("memory");
        Assert.True(memory.GetProperty("int4").GetInt64() < memory.GetProperty("int8").GetInt64());
        Assert.True(plainCode == 0);
        Assert.Equal("none", JsonDocument.Parse(plain).RootElement.GetProperty("quantization").GetString());
        Assert.Contains("int8 weights, float32", human, StringComparison.Ordinal);
        Assert.Contains("int4 projections", human, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("int8")]
    [InlineData("int4")]
    public async Task Run_quantized_tells_the_story_in_the_format_asked(string format)
    {
        var (code, output, error) = await CliRunner.RunAsync("run", Stories, "--prompt", "Once upon a time", "--max-new-tokens", "40", "--dtype", "float32", "--device", "cpu", "--quantize", format);

        Assert.True(code == 0, error);
        Assert.Contains($"float32 ({format} weights) on cpu", output, StringComparison.Ordinal);
        Assert.Contains("there was a little girl named Lily", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_refuses_int8_for_an_encoder_as_bad_input()
    {
        using var folder = new TempFolder();

        var (code, _, error) = await CliRunner.RunAsync("embed", folder.Path, "--text", "hello", "--quantize", "int8");

        Assert.Equal(2, code);
        Assert.Contains("sentence encoders are not quantized", error, StringComparison.Ordinal);
    }
}
