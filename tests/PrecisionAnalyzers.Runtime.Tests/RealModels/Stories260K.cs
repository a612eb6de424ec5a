using System.Text.Json;

namespace PrecisionAnalyzers.Runtime.Tests.RealModels;

/// <summary>
/// llama2.c's stories260K (src/Cli/models/stories260K, MIT) and the greedy continuation llama2.c publishes for it
/// (known-answer.json beside the weights, from doc/stories260K.md).
/// </summary>
internal sealed record Stories260K(string Prompt, int[] PromptIds, int[] ContinuationIds, string ContinuationText)
{
    /// <summary>The model folder in the test output (copied there from src/Cli/models/stories260K, the one copy in the repository).</summary>
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures", "stories260K");

    /// <summary>Tokens to generate to cover the published text (llama2.c's run.c stops at 256 positions).</summary>
    public const int PublishedLength = 256;

    /// <summary>The model ends a story with BOS (1), as run.c does, not with EOS.</summary>
    public const int StoryEnd = 1;

    public static Stories260K Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "known-answer.json")));
        var root = document.RootElement;
        return new Stories260K(
            root.GetProperty("prompt").GetString()!,
            root.GetProperty("promptIds").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            root.GetProperty("continuationIds").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            root.GetProperty("continuationText").GetString()!);
    }
}
