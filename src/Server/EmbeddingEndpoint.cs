using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PrecisionAnalyzers.Runtime;

namespace PrecisionAnalyzers.Server;

/// <summary>
/// Answers <c>/v1/embeddings</c> with a sentence encoder: float arrays or base64 (little-endian float32, as OpenAI's
/// clients ask by default), <c>usage</c>, and the PREC1xx warnings (PREC109 for a text cut to the encoder's length).
/// One request encodes at a time.
/// </summary>
internal sealed class EmbeddingEndpoint
{
    private readonly SentenceEncoder _encoder;
    private readonly string _id;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public EmbeddingEndpoint(SentenceEncoder encoder, string id)
    {
        _encoder = encoder;
        _id = id;
    }

    public string Id => _id;

    public SentenceEncoder Encoder => _encoder;

    public async Task Embed(HttpContext http, EmbeddingRequest request)
    {
        if (request.Model is { } model && model != _id)
        {
            throw new ApiException(HttpStatusCode.NotFound, $"The model '{model}' does not exist; embeddings come from '{_id}'.", param: "model", code: "model_not_found");
        }

        if (request.Dimensions is { } dimensions && dimensions != _encoder.Dimension)
        {
            throw ApiException.BadRequest($"'dimensions' must be {_encoder.Dimension} for {_id} (it cannot be shortened), got {dimensions}.", "dimensions");
        }

        await _gate.WaitAsync(http.RequestAborted).ConfigureAwait(false);
        Runtime.SentenceEmbeddings embedded;
        try
        {
            embedded = await Task.Run(() => _encoder.Embed(request.Inputs, cancellationToken: http.RequestAborted), http.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        var data = new JsonArray();
        for (var i = 0; i < embedded.Embeddings.Length; i++)
        {
            var vector = embedded.Embeddings[i];
            JsonNode value = request.Base64
                ? JsonValue.Create(Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())))
                : new JsonArray(vector.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = value });
        }

        var body = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = _id,
            ["usage"] = new JsonObject { ["prompt_tokens"] = embedded.TokenCount, ["total_tokens"] = embedded.TokenCount },
            ["precision_warnings"] = new JsonArray(_encoder.Warnings.Concat(embedded.Warnings).Select(w => (JsonNode)new JsonObject { ["code"] = w.Code, ["message"] = w.Message }).ToArray()),
        };
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
    }
}
