using System.Text.Json;

namespace PrecisionAnalyzers.Cli.Tests;

public sealed class PlanCommandTests
{
    private const string SmallLlama = """{"model_type":"llama","hidden_size":256,"intermediate_size":512,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":1000,"torch_dtype":"bfloat16"}""";

    // The size-determining keys of google/gemma-3-27b-it's language model: about 27B parameters, 54 GB even in BF16.
    private const string Gemma3_27B = """{"model_type":"gemma3","torch_dtype":"bfloat16","text_config":{"model_type":"gemma3_text","hidden_size":5376,"intermediate_size":21504,"num_hidden_layers":62,"num_attention_heads":32,"num_key_value_heads":16,"head_dim":128,"vocab_size":262208,"sliding_window":1024}}""";

    [Fact]
    public async Task Json_output_has_the_documented_fields()
    {
        using var folder = new TempFolder();
        folder.Write("config.json", SmallLlama);

        var (code, output, error) = await CliRunner.RunAsync("plan", folder.Path, "--hardware", "a100-80gb", "--json");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("llama", root.GetProperty("modelType").GetString());
        var parameters = root.GetProperty("parameters").GetInt64();
        Assert.True(parameters > 0);
        Assert.Equal(parameters * 4, root.GetProperty("memory").GetProperty("float32").GetInt64());
        Assert.Equal(parameters * 2, root.GetProperty("memory").GetProperty("float16").GetInt64());
        Assert.Equal(parameters * 2, root.GetProperty("memory").GetProperty("bfloat16").GetInt64());
        Assert.Equal("bfloat16", root.GetProperty("dtype").GetString());
        Assert.Equal("cuda:0", root.GetProperty("device").GetString());
        Assert.True(root.GetProperty("reasons").GetArrayLength() > 0);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("warnings").ValueKind);
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public async Task Mode_lora_budgets_the_adapters_not_a_full_fine_tune()
    {
        using var folder = new TempFolder();
        folder.Write("config.json", Gemma3_27B);

        var (loraCode, lora, loraError) = await CliRunner.RunAsync("plan", folder.Path, "--hardware", "a100-80gb", "--dtype", "bfloat16", "--device", "cuda", "--strict", "--mode", "lora", "--lora-rank", "16", "--json");
        var (fullCode, full, _) = await CliRunner.RunAsync("plan", folder.Path, "--hardware", "a100-80gb", "--dtype", "bfloat16", "--device", "cuda", "--strict", "--mode", "training", "--json");
        var (badCode, badOutput, badError) = await CliRunner.RunAsync("plan", folder.Path, "--mode", "lora", "--lora-targets", "lm_head", "--json");

        Assert.True(loraCode == 0, loraError);
        var root = JsonDocument.Parse(lora).RootElement;
        Assert.Equal("lora", root.GetProperty("mode").GetString());
        Assert.Equal("cuda:0", root.GetProperty("device").GetString());
        Assert.InRange(root.GetProperty("requiredBytes").GetInt64() - (2 * root.GetProperty("parameters").GetInt64()), 1, 2_000_000_000);
        Assert.Equal(3, fullCode);
        Assert.Contains("\"mode\": \"training\"", full, StringComparison.Ordinal);
        Assert.Equal(2, badCode);
        Assert.Equal("", badOutput);
        Assert.Contains("unknown LoRA target", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepts_the_config_file_itself_and_prints_a_readable_plan()
    {
        using var folder = new TempFolder();
        var file = folder.Write("config.json", SmallLlama);

        var (code, output, _) = await CliRunner.RunAsync("plan", file, "--hardware", "cpu-only");

        Assert.Equal(0, code);
        Assert.Contains("llama", output, StringComparison.Ordinal);
        Assert.Contains("Why:", output, StringComparison.Ordinal);
        Assert.Contains("on cpu", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failure_5_on_a_Pascal_profile_the_plan_skips_the_GPU_and_says_why()
    {
        using var folder = new TempFolder();
        folder.Write("config.json", SmallLlama);

        var (code, output, _) = await CliRunner.RunAsync("plan", folder.Path, "--hardware", "pascal-5gb", "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("cpu", json.RootElement.GetProperty("device").GetString());
        var codes = json.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("code").GetString()).ToArray();
        Assert.Contains("PREC106", codes);
    }

    [Fact]
    public async Task A_model_that_fits_nowhere_exits_3_with_the_numbers()
    {
        using var folder = new TempFolder();
        folder.Write("config.json", Gemma3_27B);

        var (code, output, _) = await CliRunner.RunAsync("plan", folder.Path, "--hardware", "pascal-5gb", "--json");

        Assert.Equal(3, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("none", json.RootElement.GetProperty("device").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("dtype").ValueKind);
        Assert.Contains(json.RootElement.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "PREC103");
    }

    [Fact]
    public async Task Training_mode_budgets_sixteen_bytes_a_parameter()
    {
        using var folder = new TempFolder();
        folder.Write("config.json", SmallLlama);

        var (_, output, _) = await CliRunner.RunAsync("plan", folder.Path, "--hardware", "a100-80gb", "--mode", "training", "--json");

        using var json = JsonDocument.Parse(output);
        Assert.Equal("training", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal(16 * json.RootElement.GetProperty("parameters").GetInt64(), json.RootElement.GetProperty("requiredBytes").GetInt64());
    }

    [Theory]
    [InlineData(null, "does not exist")]
    [InlineData("{", "not valid JSON")]
    [InlineData("""{"model_type":"llama","hidden_size":0,"intermediate_size":1,"num_hidden_layers":1,"num_attention_heads":1,"vocab_size":1}""", "hidden_size")]
    public async Task Bad_input_exits_2_with_a_message_on_stderr_and_nothing_on_stdout(string? config, string fragment)
    {
        using var folder = new TempFolder();
        var path = config is null ? Path.Combine(folder.Path, "missing") : Path.GetDirectoryName(folder.Write("config.json", config))!;

        var (code, output, error) = await CliRunner.RunAsync("plan", path, "--json");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_model_whose_sizes_overflow_64_bits_cannot_run_exit_3()
    {
        using var folder = new TempFolder();
        folder.Write("config.json", """{"model_type":"llama","hidden_size":1000000000000,"intermediate_size":1000000000000,"num_hidden_layers":100000,"num_attention_heads":1,"vocab_size":1000000000}""");

        var (code, output, error) = await CliRunner.RunAsync("plan", folder.Path, "--hardware", "a100-80gb", "--json");

        Assert.True(code == 3, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("dtype").ValueKind);
        var warning = Assert.Single(json.RootElement.GetProperty("warnings").EnumerateArray());
        Assert.Equal("PREC103", warning.GetProperty("code").GetString());
        Assert.Contains("no machine can hold it", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_without_config_json_is_bad_input()
    {
        using var folder = new TempFolder();

        var (code, output, error) = await CliRunner.RunAsync("plan", folder.Path);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("has no config.json", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--dtype", "float8")]
    [InlineData("--device", "tpu")]
    [InlineData("--context", "-5")]
    [InlineData("--hardware", "no-such-profile")]
    [InlineData("--mode", "serving")]
    public async Task Bad_options_exit_2_and_write_nothing(string option, string value)
    {
        using var folder = new TempFolder();
        folder.Write("config.json", SmallLlama);

        var (code, output, error) = await CliRunner.RunAsync("plan", folder.Path, option, value, "--json");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.NotEqual(string.Empty, error);
    }
}
