using System.Text.Json;

namespace PrecisionAnalyzers.Server;

/// <summary>The generation fields shared by <c>/v1/chat/completions</c> and <c>/v1/completions</c>.</summary>
internal sealed record SamplingParameters(
    string? Model,
    int? MaxTokens,
    double? Temperature,
    double? TopP,
    IReadOnlyList<string> Stops,
    int? Seed,
    bool Stream,
    bool IncludeUsage)
{
    /// <summary>The fields every generation route knows (accepted at their defaults where the server has no such feature).</summary>
    public static readonly string[] Fields =
    [
        "model", "max_tokens", "temperature", "top_p", "stop", "seed", "n", "stream", "stream_options", "user",
        "frequency_penalty", "presence_penalty", "logprobs", "top_logprobs", "logit_bias",
    ];

    public static SamplingParameters Read(JsonRequest request, string maxTokensField = "max_tokens")
    {
        request.OnlyDefault("n", v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n == 1, "n = 1");
        request.OnlyDefault("frequency_penalty", IsZero, "0");
        request.OnlyDefault("presence_penalty", IsZero, "0");
        request.OnlyDefault("logprobs", v => v.ValueKind is JsonValueKind.False, "false or null");
        request.OnlyDefault("top_logprobs", IsZero, "0");
        request.OnlyDefault("logit_bias", v => v.ValueKind == JsonValueKind.Object && !v.EnumerateObject().Any(), "{}");
        request.String("user");
        var includeUsage = false;
        if (request.Get("stream_options") is { } options)
        {
            if (options.ValueKind != JsonValueKind.Object)
            {
                throw JsonRequest.WrongType("stream_options", "an object", options);
            }

            foreach (var property in options.EnumerateObject())
            {
                includeUsage = property.Name switch
                {
                    "include_usage" when property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False => property.Value.GetBoolean(),
                    "include_usage" => throw JsonRequest.WrongType("stream_options.include_usage", "a boolean", property.Value),
                    _ => throw ApiException.BadRequest($"Unrecognized request argument supplied: stream_options.{property.Name}", "stream_options"),
                };
            }
        }

        var maxTokens = request.Integer(maxTokensField, 0, int.MaxValue) ?? request.Integer("max_completion_tokens", 0, int.MaxValue);
        var seed = request.Integer("seed", long.MinValue, long.MaxValue);
        return new SamplingParameters(
            request.String("model"),
            maxTokens is { } m ? (int)m : null,
            request.Number("temperature", 0, 2),
            request.Number("top_p", double.Epsilon, 1),
            request.Stops(),
            seed is { } s ? unchecked((int)(s ^ (s >> 32))) : null,
            request.Bool("stream") ?? false,
            includeUsage);
    }

    private static bool IsZero(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && d == 0;
}
