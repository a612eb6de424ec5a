using System.Text.Json;

namespace PrecisionAnalyzers.Cli.Tests;

/// <summary>
/// <c>precision run</c> on a real pretrained model, llama2.c's stories260K as the CLI ships it (models/stories260K in
/// its output): greedy decoding from "Once upon a time" must give the continuation llama2.c publishes.
/// </summary>
public sealed class Stories260KRunTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "models", "stories260K");

    private static readonly JsonElement Known = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "known-answer.json"))).RootElement;

    private static string Prompt => Known.GetProperty("prompt").GetString()!;

    private static int[] Ids(JsonElement element) => element.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Fact]
    public async Task Run_json_in_float32_gives_the_published_ids_and_text()
    {
        var (code, output, error) = await CliRunner.RunAsync("run", Folder, "--prompt", Prompt, "--max-new-tokens", "256", "--dtype", "float32", "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(Ids(Known.GetProperty("promptIds")), Ids(root.GetProperty("promptTokens")));
        var expected = Ids(Known.GetProperty("continuationIds"));
        Assert.Equal(expected, Ids(root.GetProperty("tokens")).Take(expected.Length));
        Assert.StartsWith(Known.GetProperty("continuationText").GetString()!, root.GetProperty("text").GetString()!, StringComparison.Ordinal);
        Assert.Equal("float32", root.GetProperty("dtype").GetString());
    }

    [Fact]
    public async Task Run_streams_the_published_story_as_text()
    {
        var (code, output, error) = await CliRunner.RunAsync("run", Folder, "--prompt", Prompt, "--max-new-tokens", "256", "--dtype", "float32");

        Assert.True(code == 0, error);
        Assert.Contains("prompt of 5 tokens", output, StringComparison.Ordinal);
        Assert.Contains(Known.GetProperty("continuationText").GetString()!, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_json_in_bfloat16_from_prompt_ids_gives_the_published_ids()
    {
        var prompt = string.Join(',', Ids(Known.GetProperty("promptIds")));

        var (code, output, error) = await CliRunner.RunAsync("run", Folder, "--prompt-tokens", prompt, "--max-new-tokens", "20", "--dtype", "bfloat16", "--json");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal("bfloat16", root.GetProperty("dtype").GetString());
        Assert.Equal(Ids(Known.GetProperty("continuationIds")), Ids(root.GetProperty("tokens")));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("text").ValueKind);
    }
}
