using System.Text.Json;

namespace PrecisionAnalyzers.Server.Tests;

/// <summary>Reads a server-sent event stream as OpenAI's clients do: <c>data: …</c> lines until <c>data: [DONE]</c>.</summary>
internal static class Sse
{
    /// <summary>The JSON payloads of the stream, then null for [DONE].</summary>
    public static async IAsyncEnumerable<JsonElement?> Events(Stream body, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(body);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }

            var data = line["data: ".Length..];
            if (data == "[DONE]")
            {
                yield return null;
                yield break;
            }

            using var document = JsonDocument.Parse(data);
            yield return document.RootElement.Clone();
        }
    }

    public static HttpRequestMessage Post(string route, string json) =>
        new(HttpMethod.Post, route) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
}
