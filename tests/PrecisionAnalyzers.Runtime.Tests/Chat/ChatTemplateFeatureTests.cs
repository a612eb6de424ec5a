using System.Text.Json;
using PrecisionAnalyzers.Runtime.Chat;

namespace PrecisionAnalyzers.Runtime.Tests.Chat;

/// <summary>One small template per interpreter feature (features.json), compared with @huggingface/jinja's render (expected-features.json).</summary>
public sealed class ChatTemplateFeatureTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "fixtures", "chat");

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var feature in Features())
        {
            data.Add(feature.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Feature_renders_as_huggingface_jinja(string name)
    {
        var feature = Features().Single(f => f.GetProperty("name").GetString() == name);
        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "expected-features.json"))).RootElement
            .GetProperty("results").EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);
        var messages = feature.TryGetProperty("messages", out var list)
            ? list.EnumerateArray().Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList()
            : [];
        var variables = new Dictionary<string, object?>();
        if (feature.TryGetProperty("variables", out var extra))
        {
            foreach (var property in extra.EnumerateObject())
            {
                variables[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => null,
                    _ => property.Value.GetString(),
                };
            }
        }

        var template = ChatTemplate.Parse(feature.GetProperty("template").GetString()!);

        if (expected.TryGetProperty("error", out var error))
        {
            var e = Assert.Throws<ChatTemplateException>(() => template.Render(messages, addGenerationPrompt: false, variables));
            Assert.Equal(error.GetString(), e.Reason);
        }
        else
        {
            Assert.Equal(expected.GetProperty("output").GetString(), template.Render(messages, addGenerationPrompt: false, variables));
        }
    }

    private static IEnumerable<JsonElement> Features() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "features.json"))).RootElement.EnumerateArray();
}
