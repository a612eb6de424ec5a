using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Cli.Tests;

/// <summary>
/// <c>plan</c> and <c>run</c> on broken or impossible models: exit 2 (bad input) or 3 (cannot run), the reason on stderr
/// naming the file, nothing on stdout, no stack trace, and no hang (a test-level timeout fails a regression instead).
/// </summary>
public sealed class BadModelExitCodeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("precision-bad-model-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A tiny llama checkpoint whose config.json is then changed by <paramref name="edit"/>.</summary>
    private string Tiny(Action<JsonObject>? edit = null)
    {
        var folder = Path.Combine(_root, "model");
        TinyCheckpointWriter.Write(folder, "llama");
        if (edit is not null)
        {
            var path = Path.Combine(folder, "config.json");
            var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            edit(config);
            File.WriteAllText(path, config.ToJsonString());
        }

        return folder;
    }

    private static async Task<(int Code, string Output, string Error)> Verb(string verb, string folder)
    {
        var args = verb == "plan" ? new[] { "plan", folder, "--hardware", "a100-80gb" } : ["run", folder, "--prompt-tokens", "1,2,3", "--max-new-tokens", "2", "--dtype", "float32"];
        return await CliRunner.RunAsync(args).WaitAsync(TimeSpan.FromSeconds(120));
    }

    private static void Refused((int Code, string Output, string Error) result, int code, params string[] fragments)
    {
        Assert.True(result.Code == code, $"exit {result.Code}, expected {code}: {result.Error}");
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.Error, StringComparison.Ordinal);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, result.Error, StringComparison.Ordinal);
        }
    }

    private static void MakeFifo(string path)
    {
        File.Delete(path);
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("run")]
    public async Task A_fifo_as_config_json_exits_2_without_blocking(string verb)
    {
        var folder = Tiny();
        MakeFifo(Path.Combine(folder, "config.json"));

        Refused(await Verb(verb, folder), 2, "config.json", "named pipe");
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("run")]
    public async Task A_fifo_as_model_safetensors_exits_2_without_blocking(string verb)
    {
        var folder = Tiny();
        MakeFifo(Path.Combine(folder, "model.safetensors"));

        Refused(await Verb(verb, folder), 2, "model.safetensors", "named pipe");
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("run")]
    public async Task Weights_linked_outside_the_folder_exit_2_and_their_bytes_are_not_printed(string verb)
    {
        var folder = Tiny();
        var secret = Path.Combine(_root, "passwd");
        File.WriteAllText(secret, "root:x:0:0:root:/root:/bin/bash\n");
        File.Delete(Path.Combine(folder, "model.safetensors"));
        File.CreateSymbolicLink(Path.Combine(folder, "model.safetensors"), secret);

        var result = await Verb(verb, folder);

        Refused(result, 2, "model.safetensors", "outside the model folder");
        Assert.DoesNotContain("root:x", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("run")]
    public async Task A_duplicate_key_in_config_json_exits_2_naming_the_key(string verb)
    {
        var folder = Tiny();
        var path = Path.Combine(folder, "config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("{", "{\"vocab_size\":7,", StringComparison.Ordinal));

        Refused(await Verb(verb, folder), 2, "config.json", "'vocab_size' appears twice");
    }

    [Theory]
    [InlineData("plan", "num_hidden_layers", 3e9, "above")]
    [InlineData("run", "num_hidden_layers", 3e9, "above")]
    [InlineData("plan", "rms_norm_eps", -1.0, "above zero")]
    [InlineData("run", "rope_theta", 0.0, "above zero")]
    [InlineData("plan", "num_attention_heads", 0.0, "at least 1")]
    public async Task Nonsense_sizes_and_constants_exit_2_naming_the_key(string verb, string key, double value, string reason)
    {
        var folder = Tiny(config => config[key] = value);

        Refused(await Verb(verb, folder), 2, "config.json", $"'{key}'", reason);
    }

    [Theory]
    [InlineData("plan", "model_type", "phi3", "model_type 'phi3'")]
    [InlineData("run", "model_type", "phi3", "model_type 'phi3'")]
    [InlineData("plan", "hidden_act", "relu2", "activation 'relu2'")]
    [InlineData("run", "hidden_act", "relu2", "activation 'relu2'")]
    public async Task A_model_the_runtime_does_not_implement_exits_3_with_PREC111(string verb, string key, string value, string reason)
    {
        var folder = Tiny(config => config[key] = value);

        var result = await Verb(verb, folder);

        Assert.True(result.Code == 3, $"exit {result.Code}: {result.Error}{result.Output}");
        Assert.Contains(reason, result.Output + result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("run")]
    public async Task Half_a_billion_layers_exits_3_at_once(string verb)
    {
        var folder = Tiny(config => config["num_hidden_layers"] = 500_000_000);

        var result = await Verb(verb, folder);

        Assert.True(result.Code == 3, $"exit {result.Code}: {result.Error}{result.Output}");
        Assert.Contains("500,000,000", result.Output + result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_on_a_tensor_relabelled_I16_exits_2_naming_the_tensor()
    {
        var folder = Path.Combine(_root, "bf16");
        TinyCheckpointWriter.Write(folder, "llama", new TinyModelOptions { Dtype = PrecisionAnalyzers.Runtime.DType.BFloat16 });
        var file = Path.Combine(folder, "model.safetensors");
        var bytes = File.ReadAllBytes(file);
        var length = (int)BitConverter.ToUInt64(bytes, 0);
        var header = Encoding.UTF8.GetString(bytes, 8, length);
        var start = header.IndexOf("\"model.norm.weight\"", StringComparison.Ordinal);
        var entry = header[start..header.IndexOf('}', start)];
        Encoding.UTF8.GetBytes(header.Replace(entry, entry.Replace("\"BF16\"", "\"I16\"", StringComparison.Ordinal), StringComparison.Ordinal).PadRight(length)).CopyTo(bytes, 8);
        File.WriteAllBytes(file, bytes);

        Refused(await Verb("run", folder), 2, "model.safetensors", "model.norm.weight", "stored as I16");
    }
}
