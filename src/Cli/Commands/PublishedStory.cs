using System.Text.Json;

namespace PrecisionAnalyzers.Cli.Commands;

/// <summary>
/// The greedy continuation llama2.c publishes for stories260K (doc/stories260K.md), as <c>known-answer.json</c> beside the
/// shipped model holds it: the demo checks its own generation against it.
/// </summary>
internal sealed record PublishedStory(string Prompt, string Continuation)
{
    public const string FileName = "known-answer.json";

    public static PublishedStory Load(string folder)
    {
        var file = Path.Combine(folder, FileName);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            var root = document.RootElement;
            return new PublishedStory(root.GetProperty("prompt").GetString()!, root.GetProperty("continuationText").GetString()!);
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new BadInputException($"The demo's model folder has no readable {file}: reinstall the tool or rebuild src/Cli.", e);
        }
    }
}
