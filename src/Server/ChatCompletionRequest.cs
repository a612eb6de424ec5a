using System.Text;
using System.Text.Json;
using PrecisionAnalyzers.Runtime.Chat;

namespace PrecisionAnalyzers.Server;

/// <summary>A <c>POST /v1/chat/completions</c> body: the conversation and the sampling fields.</summary>
internal sealed record ChatCompletionRequest(IReadOnlyList<ChatMessage> Messages, SamplingParameters Sampling)
{
    private static readonly HashSet<string> Known = [.. SamplingParameters.Fields, "messages", "max_completion_tokens", "response_format", "store", "metadata"];

    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant"];

    public static ChatCompletionRequest Parse(ReadOnlyMemory<byte> body)
    {
        var request = JsonRequest.Parse(body, Known);
        request.OnlyDefault("response_format", v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "text", "{\"type\": \"text\"}");
        request.OnlyDefault("store", v => v.ValueKind == JsonValueKind.False, "false");
        var messages = request.Required("messages");
        if (messages.ValueKind != JsonValueKind.Array)
        {
            throw JsonRequest.WrongType("messages", "an array", messages);
        }

        var parsed = messages.EnumerateArray().Select((message, i) => Message(message, $"messages[{i}]")).ToArray();
        if (parsed.Length == 0)
        {
            throw ApiException.BadRequest("'messages' must hold at least one message.", "messages");
        }

        return new ChatCompletionRequest(parsed, SamplingParameters.Read(request, "max_tokens"));
    }

    private static ChatMessage Message(JsonElement message, string at)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw JsonRequest.WrongType(at, "an object", message);
        }

        string? role = null;
        string? content = null;
        foreach (var property in message.EnumerateObject())
        {
            switch (property.Name)
            {
                case "role":
                    role = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : throw JsonRequest.WrongType(at + ".role", "a string", property.Value);
                    break;
                case "content":
                    content = Content(property.Value, at + ".content");
                    break;
                case "name":
                    break;
                default:
                    throw ApiException.BadRequest($"Unrecognized argument supplied in {at}: {property.Name}", at);
            }
        }

        if (role is null || !Roles.Contains(role))
        {
            throw ApiException.BadRequest($"{at}.role must be one of system, developer, user, assistant; got {(role is null ? "none" : $"'{role}'")}.", at + ".role");
        }

        return new ChatMessage(role == "developer" ? "system" : role, content ?? string.Empty);
    }

    // A string, or an array of parts of which only {"type": "text", "text": ...} is supported.
    private static string Content(JsonElement content, string at)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Null:
                return string.Empty;
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                    {
                        throw ApiException.BadRequest($"Each part of {at} must be an object with a 'type'.", at);
                    }

                    if (type.GetString() != "text" || !part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                    {
                        throw ApiException.BadRequest($"{at}: only text parts are supported by this server, got '{type.GetString()}'.", at);
                    }

                    text.Append(partText.GetString());
                }

                return text.ToString();
            default:
                throw JsonRequest.WrongType(at, "a string or an array of content parts", content);
        }
    }
}
