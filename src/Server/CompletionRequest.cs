using System.Text.Json;

namespace PrecisionAnalyzers.Server;

/// <summary>A <c>POST /v1/completions</c> body: a prompt (text, or token ids) and the sampling fields.</summary>
internal sealed record CompletionRequest(string? PromptText, IReadOnlyList<int>? PromptIds, SamplingParameters Sampling)
{
    /// <summary>OpenAI's default for <c>max_tokens</c> on this route.</summary>
    public const int DefaultMaxTokens = 16;

    private static readonly HashSet<string> Known = [.. SamplingParameters.Fields, "prompt", "echo", "suffix", "best_of"];

    public static CompletionRequest Parse(ReadOnlyMemory<byte> body)
    {
        var request = JsonRequest.Parse(body, Known);
        request.OnlyDefault("echo", v => v.ValueKind == JsonValueKind.False, "false");
        request.OnlyDefault("suffix", v => v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0, "an empty string");
        request.OnlyDefault("best_of", v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var b) && b == 1, "1");
        var prompt = request.Required("prompt");
        var sampling = SamplingParameters.Read(request);
        sampling = sampling with { MaxTokens = sampling.MaxTokens ?? DefaultMaxTokens };
        switch (prompt.ValueKind)
        {
            case JsonValueKind.String:
                return new CompletionRequest(prompt.GetString()!, null, sampling);
            case JsonValueKind.Array when prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String:
                return new CompletionRequest(prompt[0].GetString()!, null, sampling);
            case JsonValueKind.Array when prompt.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number):
                var ids = prompt.EnumerateArray().Select(e => e.TryGetInt32(out var id) && id >= 0 ? id : throw ApiException.BadRequest("'prompt' token ids must be non-negative integers.", "prompt")).ToArray();
                return ids.Length > 0 ? new CompletionRequest(null, ids, sampling) : throw ApiException.BadRequest("'prompt' must not be empty.", "prompt");
            case JsonValueKind.Array:
                throw ApiException.BadRequest("'prompt' as an array must be one string or a list of token ids (batches of prompts are not supported: send one request each).", "prompt");
            default:
                throw JsonRequest.WrongType("prompt", "a string or an array of token ids", prompt);
        }
    }
}
