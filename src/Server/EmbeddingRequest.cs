using System.Text.Json;

namespace PrecisionAnalyzers.Server;

/// <summary>A <c>POST /v1/embeddings</c> body: one text or a list of texts.</summary>
internal sealed record EmbeddingRequest(string? Model, IReadOnlyList<string> Inputs, bool Base64, int? Dimensions)
{
    /// <summary>Texts in one request at most.</summary>
    public const int MaxInputs = 2048;

    private static readonly HashSet<string> Known = ["model", "input", "encoding_format", "dimensions", "user"];

    public static EmbeddingRequest Parse(ReadOnlyMemory<byte> body)
    {
        var request = JsonRequest.Parse(body, Known);
        request.String("user");
        var format = request.String("encoding_format") ?? "float";
        if (format is not ("float" or "base64"))
        {
            throw ApiException.BadRequest($"'encoding_format' must be float or base64, got '{format}'.", "encoding_format");
        }

        var input = request.Required("input");
        IReadOnlyList<string> inputs = input.ValueKind switch
        {
            JsonValueKind.String => [input.GetString()!],
            JsonValueKind.Array when input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => input.EnumerateArray().Select(e => e.GetString()!).ToArray(),
            JsonValueKind.Array => throw ApiException.BadRequest("'input' must be a string or an array of strings (token-id inputs are not supported).", "input"),
            _ => throw JsonRequest.WrongType("input", "a string or an array of strings", input),
        };
        if (inputs.Count is 0 or > MaxInputs)
        {
            throw ApiException.BadRequest($"'input' must hold 1 to {MaxInputs} texts, got {inputs.Count}.", "input");
        }

        var dimensions = request.Integer("dimensions", 1, int.MaxValue);
        return new EmbeddingRequest(request.String("model"), inputs, format == "base64", dimensions is { } d ? (int)d : null);
    }
}
