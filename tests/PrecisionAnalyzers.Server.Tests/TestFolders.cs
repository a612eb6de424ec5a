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

    public static string ChatModel => ChatModelFolder.Value;

    public static string Encoder => EncoderFolder.Value;
}
