using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Server.Tests;

/// <summary>Model folders written once per test run: the tiny chat model (with SmolLM2's template) and a tiny sentence encoder.</summary>
internal static class TestFolders
{
    private static string Root { get; } = Path.Combine(Path.GetTempPath(), "precision-serve-tests-" + Environment.ProcessId);

    private static readonly Lazy<string> ChatModelFolder = new(() => ChatModelFixture.Write(Path.Combine(Root, "chat-model")));

    private static readonly Lazy<string> EncoderFolder = new(() =>
    {
        var folder = Path.Combine(Root, "tiny-encoder");
        TinyEncoderFactory.WriteFolder(folder);
        return folder;
    });

    private static readonly Lazy<string> LongModelFolder = new(() =>
    {
        // The tiny chat model with a context of 65536 and no EOS in generation_config.json: a request can run for as long as a test needs.
        var folder = ChatModelFixture.Write(Path.Combine(Root, "long-model"), generationConfig: "{}");
        var configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["max_position_embeddings"] = 65536;
        File.WriteAllText(configPath, config.ToJsonString());
        return folder;
    });

    public static string ChatModel => ChatModelFolder.Value;

    /// <summary>A model whose answers only end at max_tokens (for requests that must stay in flight).</summary>
    public static string LongModel => LongModelFolder.Value;

    public static string Encoder => EncoderFolder.Value;
}
