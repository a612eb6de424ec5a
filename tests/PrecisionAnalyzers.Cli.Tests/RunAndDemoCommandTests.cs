using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace PrecisionAnalyzers.Cli.Tests;

public sealed class RunAndDemoCommandTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private async Task<string> DemoModelAsync(string family = "llama", params string[] extra)
    {
        var folder = Path.Combine(_root.Path, family + string.Join("", extra));
        var (code, _, error) = await CliRunner.RunAsync(["demo", "--out", folder, "--family", family, .. extra]);
        Assert.True(code == 0, error);
        return folder;
    }

    [Fact]
    public async Task Demo_out_writes_a_model_in_the_on_disk_format()
    {
        var folder = await DemoModelAsync("qwen2");

        Assert.True(File.Exists(Path.Combine(folder, "config.json")));
        Assert.True(File.Exists(Path.Combine(folder, "model.safetensors")));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        Assert.Equal("qwen2", config.RootElement.GetProperty("model_type").GetString());
    }

    [Fact]
    public async Task Demo_out_refuses_a_non_empty_folder_and_leaves_it_alone()
    {
        var folder = _root.Write("mine/notes.txt", "keep me");

        var (code, output, error) = await CliRunner.RunAsync("demo", "--out", Path.GetDirectoryName(folder)!);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("not empty", error, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(folder));
    }

    [Fact]
    public async Task Run_json_has_the_documented_fields()
    {
        var folder = await DemoModelAsync();

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--prompt-tokens", "1,2,3", "--max-new-tokens", "5", "--dtype", "float32", "--json");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(new[] { 1, 2, 3 }, root.GetProperty("promptTokens").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(5, root.GetProperty("tokens").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("text").ValueKind);
        Assert.Equal("float32", root.GetProperty("dtype").GetString());
        Assert.Equal("cpu", root.GetProperty("device").GetString());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("warnings").ValueKind);
        Assert.True(root.GetProperty("prefillTokensPerSecond").GetDouble() > 0);
        Assert.True(root.GetProperty("decodeTokensPerSecond").GetDouble() > 0);
        Assert.True(root.GetProperty("peakMemoryBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Run_logits_are_a_float32_npy_whose_rows_argmax_to_the_greedy_tokens()
    {
        var folder = await DemoModelAsync();
        var npy = Path.Combine(_root.Path, "logits.npy");

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--prompt-tokens", "4,5,6", "--max-new-tokens", "4", "--dtype", "float32", "--logits", npy, "--json");

        Assert.True(code == 0, error);
        var tokens = JsonDocument.Parse(output).RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var (shape, values) = ReadNpy(npy);
        Assert.Equal(tokens.Length, shape[0]);
        for (var step = 0; step < shape[0]; step++)
        {
            var row = values.AsSpan(step * shape[1], shape[1]);
            Assert.Equal(tokens[step], row.IndexOf(MaxOf(row)));
        }
    }

    [Fact]
    public async Task Run_in_FP16_on_the_overflowing_model_answers_in_BF16_with_the_warnings()
    {
        var folder = await DemoModelAsync("gemma3_text", "--fp16-overflow");

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--prompt-tokens", "5,6,7", "--max-new-tokens", "3", "--dtype", "float16", "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("bfloat16", root.GetProperty("dtype").GetString());
        var codes = root.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("code").GetString()).ToArray();
        Assert.Contains("PREC102", codes);
        Assert.Contains("PREC104", codes);
    }

    [Fact]
    public async Task Run_strict_FP16_on_an_unsafe_family_cannot_run_exit_3()
    {
        var folder = await DemoModelAsync("gemma2");

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--prompt-tokens", "1", "--dtype", "float16", "--strict", "--json");

        Assert.Equal(3, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("PREC102", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_generates_the_same_tokens_on_one_thread_and_on_two()
    {
        var folder = await DemoModelAsync();

        var one = await CliRunner.RunAsync("run", folder, "--prompt-tokens", "1,2,3", "--max-new-tokens", "6", "--dtype", "float32", "--threads", "1", "--json");
        var two = await CliRunner.RunAsync("run", folder, "--prompt-tokens", "1,2,3", "--max-new-tokens", "6", "--dtype", "float32", "--threads", "2", "--json");

        Assert.True(one.ExitCode == 0, one.Error);
        Assert.True(two.ExitCode == 0, two.Error);
        using var first = JsonDocument.Parse(one.Output);
        using var second = JsonDocument.Parse(two.Output);
        Assert.Equal(
            first.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()),
            second.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Theory]
    [InlineData("--prompt-tokens", "1,2", "--prompt", "hello")]
    [InlineData("--prompt-tokens", "1,99999")]
    [InlineData("--prompt-tokens", "one,two")]
    [InlineData("--prompt-tokens", "1", "--max-new-tokens", "0")]
    [InlineData("--prompt-tokens", "1", "--temperature", "-1")]
    [InlineData("--prompt-tokens", "1", "--top-p", "1.5")]
    [InlineData("--prompt-tokens", "1", "--threads", "0")]
    public async Task Run_bad_input_exits_2_and_writes_nothing(params string[] options)
    {
        var folder = await DemoModelAsync();

        var (code, output, error) = await CliRunner.RunAsync(["run", folder, .. options, "--json"]);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.NotEqual(string.Empty, error);
    }

    [Fact]
    public async Task A_text_prompt_without_a_tokenizer_is_bad_input()
    {
        var folder = await DemoModelAsync();
        File.Delete(Path.Combine(folder, "tokenizer.json"));

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--prompt", "hello", "--json");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("has no tokenizer", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_models_come_with_a_tokenizer_so_a_text_prompt_works()
    {
        var folder = await DemoModelAsync("qwen2");

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--prompt", "Numbers fail quietly", "--max-new-tokens", "3", "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.True(root.GetProperty("promptTokens").GetArrayLength() > 1);
        Assert.Equal(JsonValueKind.String, root.GetProperty("text").ValueKind);
    }

    [Fact]
    public async Task Run_on_a_truncated_checkpoint_exits_2_naming_the_file()
    {
        var folder = await DemoModelAsync();
        var weights = Path.Combine(folder, "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..^64]);

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--prompt-tokens", "1", "--json");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains(weights, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_on_a_folder_without_weights_exits_2()
    {
        var folder = await DemoModelAsync();
        File.Delete(Path.Combine(folder, "model.safetensors"));

        var (code, _, error) = await CliRunner.RunAsync("run", folder, "--prompt-tokens", "1");

        Assert.Equal(2, code);
        Assert.Contains("has no weights", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_without_arguments_tours_doctor_plan_run_and_the_guard()
    {
        var (code, output, error) = await CliRunner.RunAsync("demo");

        Assert.True(code == 0, error);
        Assert.Contains("1. precision doctor", output, StringComparison.Ordinal);
        Assert.Contains("2. precision plan", output, StringComparison.Ordinal);
        Assert.Contains("llama, 260,032 parameters", output, StringComparison.Ordinal);
        Assert.Contains("pascal-5gb", output, StringComparison.Ordinal);
        Assert.Contains("3. precision run", output, StringComparison.Ordinal);
        // The published story's first paragraph (llama2.c doc/stories260K.md), generated by the shipped stories260K.
        Assert.Contains(", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.", output, StringComparison.Ordinal);
        Assert.Contains("Identical to the greedy story llama2.c publishes", output, StringComparison.Ordinal);
        Assert.Contains("57 tokens in", output, StringComparison.Ordinal);
        Assert.Contains("PREC104", output, StringComparison.Ordinal);
        Assert.Contains("re-run in bfloat16", output, StringComparison.Ordinal);
    }

    private static float MaxOf(ReadOnlySpan<float> row)
    {
        var max = float.NegativeInfinity;
        foreach (var value in row)
        {
            max = Math.Max(max, value);
        }

        return max;
    }

    private static (int[] Shape, float[] Values) ReadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        var headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header, StringComparison.Ordinal);
        Assert.Contains("'fortran_order': False", header, StringComparison.Ordinal);
        var shapeText = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..];
        var shape = shapeText[..shapeText.IndexOf(')', StringComparison.Ordinal)].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(10 + headerLength)).ToArray();
        Assert.Equal(shape[0] * shape[1], values.Length);
        return (shape, values);
    }
}
