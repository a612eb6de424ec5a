using System.Text.Json;

namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>The sentences of tests/fixtures/all-MiniLM-L6-v2/hf-ids.json, with the ids Hugging Face's tokenizer gives them.</summary>
internal static class HfReferenceIds
{
    public static (string Text, int[] Ids)[] Read(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        return document.RootElement.GetProperty("sentences").EnumerateArray()
            .Select(e => (e.GetProperty("text").GetString()!, e.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray()))
            .ToArray();
    }

    /// <summary>HF's ids cut as the runtime cuts a text: the first <paramref name="maxTokens"/> − 1, then [SEP].</summary>
    public static int[] Truncate(int[] ids, int maxTokens) => ids.Length <= maxTokens ? ids : [.. ids[..(maxTokens - 1)], ids[^1]];
}
