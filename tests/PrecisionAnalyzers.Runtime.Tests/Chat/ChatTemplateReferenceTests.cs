using System.Text.Json;
using PrecisionAnalyzers.Runtime.Chat;

namespace PrecisionAnalyzers.Runtime.Tests.Chat;

/// <summary>
/// The real templates of tests/fixtures/chat/templates rendered with the conversations of conversations.json must equal,
/// byte for byte, what @huggingface/jinja rendered (expected.json, made by generate-expected.sh), raises included.
/// </summary>
public sealed class ChatTemplateReferenceTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "fixtures", "chat");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var result in Expected().GetProperty("results").EnumerateArray())
        {
            data.Add(result.GetProperty("template").GetString()!, result.GetProperty("conversation").GetString()!);
        }

        return data;
    }

    /// <summary>
    /// Renders where @huggingface/jinja departs from Jinja2 (which transformers renders with): there the expected result is
    /// Jinja2's. Mistral Nemo checks role alternation over <c>messages | selectattr("tool_calls", "undefined")</c>; in
    /// Jinja2 every plain message passes that filter, so two user turns in a row raise, while the JavaScript port
    /// filters them all out and renders.
    /// </summary>
    private static readonly Dictionary<(string Template, string Conversation), string> Jinja2Raises = new()
    {
        [("mistral-nemo", "roles-not-alternating")] = "After the optional system message, conversation roles must alternate user/assistant/user/assistant/...",
        [("mistral-nemo", "assistant-first")] = "After the optional system message, conversation roles must alternate user/assistant/user/assistant/...",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Renders_as_huggingface_jinja(string templateName, string conversationName)
    {
        var expected = Expected().GetProperty("results").EnumerateArray()
            .Single(r => r.GetProperty("template").GetString() == templateName && r.GetProperty("conversation").GetString() == conversationName);
        var conversation = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "conversations.json"))).RootElement.EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == conversationName);
        var messages = conversation.GetProperty("messages").EnumerateArray()
            .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList();
        var variables = new Dictionary<string, object?>();
        if (conversation.TryGetProperty("variables", out var extra))
        {
            foreach (var property in extra.EnumerateObject())
            {
                variables[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => property.Value.GetString(),
                };
            }
        }

        var template = ChatTemplate.Load(Path.Combine(Root, "templates", templateName));
        var addGenerationPrompt = conversation.GetProperty("addGenerationPrompt").GetBoolean();

        if (Jinja2Raises.TryGetValue((templateName, conversationName), out var jinja2Error))
        {
            Assert.True(expected.TryGetProperty("output", out _), "the reference no longer differs from Jinja2 here: remove the exception");
            var e = Assert.Throws<ChatTemplateException>(() => template.Render(messages, addGenerationPrompt, variables));
            Assert.True(e.IsRaisedByTemplate, e.Message);
            Assert.Equal(jinja2Error, e.Reason);
        }
        else if (expected.TryGetProperty("error", out var error))
        {
            var e = Assert.Throws<ChatTemplateException>(() => template.Render(messages, addGenerationPrompt, variables));
            Assert.True(e.IsRaisedByTemplate, e.Message);
            Assert.Equal(error.GetString(), e.Reason);
        }
        else
        {
            Assert.Equal(expected.GetProperty("output").GetString(), template.Render(messages, addGenerationPrompt, variables));
        }
    }

    [Fact]
    public void Every_family_the_issue_names_is_covered()
    {
        var names = Expected().GetProperty("results").EnumerateArray().Select(r => r.GetProperty("template").GetString()).ToHashSet();
        Assert.Equal(new HashSet<string?> { "llama3", "llama3.1", "gemma2", "gemma3", "qwen2.5", "qwen3", "mistral-instruct", "mistral-nemo", "smollm2", "phi3", "deepseek-r1" }, names);
        Assert.Equal(names.Count * 10, Expected().GetProperty("results").GetArrayLength());
    }

    private static JsonElement Expected() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "expected.json"))).RootElement;
}
