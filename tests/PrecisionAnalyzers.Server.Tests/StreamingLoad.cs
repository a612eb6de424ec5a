using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace PrecisionAnalyzers.Server.Tests;

/// <summary>
/// A bounded load run against an OpenAI-compatible server: <c>clients</c> streaming completions at once (each a distinct
/// prompt), loopback only, every one read to <c>[DONE]</c>. Reports time to first token (p50, p99), aggregate generated
/// tokens per second, and whether any request was lost, failed or answered twice. Shared by the load test and bench/.
/// </summary>
internal static class StreamingLoad
{
    public static async Task<LoadReport> Run(HttpClient http, string model, int clients, int maxTokens, Func<int, int[]> prompt, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var runs = Enumerable.Range(0, clients).Select(i => One(http, model, i, prompt(i), maxTokens, clock, cancellationToken)).ToArray();
        var results = await Task.WhenAll(runs);
        var elapsed = clock.Elapsed;
        var ttft = results.Where(r => r.Error is null).Select(r => r.FirstToken.TotalSeconds).Order().ToArray();
        return new LoadReport(
            clients,
            results,
            elapsed,
            Percentile(ttft, 0.50),
            Percentile(ttft, 0.99),
            results.Sum(r => r.CompletionTokens) / elapsed.TotalSeconds);
    }

    private static async Task<StreamResult> One(HttpClient http, string model, int index, int[] prompt, int maxTokens, Stopwatch clock, CancellationToken cancellationToken)
    {
        var started = clock.Elapsed;
        try
        {
            var body = JsonSerializer.Serialize(new { model, prompt, max_tokens = maxTokens, temperature = 0, stream = true, stream_options = new { include_usage = true } });
            using var response = await http.SendAsync(Sse.Post("/v1/completions", body), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return new StreamResult(index, null, "", 0, TimeSpan.Zero, 0, $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            var text = new StringBuilder();
            TimeSpan? first = null;
            string? id = null;
            var usage = 0;
            var done = 0;
            await foreach (var chunk in Sse.Events(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken))
            {
                if (chunk is not { } json)
                {
                    done++;
                    continue;
                }

                id ??= json.GetProperty("id").GetString();
                if (json.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
                {
                    usage = u.GetProperty("completion_tokens").GetInt32();
                }

                foreach (var choice in json.GetProperty("choices").EnumerateArray())
                {
                    var piece = choice.GetProperty("text").GetString();
                    if (!string.IsNullOrEmpty(piece))
                    {
                        first ??= clock.Elapsed - started;
                        text.Append(piece);
                    }
                }
            }

            return new StreamResult(index, id, text.ToString(), usage, first ?? clock.Elapsed - started, done, done == 1 ? null : $"[DONE] seen {done} times");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
        {
            return new StreamResult(index, null, "", 0, TimeSpan.Zero, 0, e.Message);
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>One streamed request of a load run.</summary>
internal sealed record StreamResult(int Index, string? Id, string Text, int CompletionTokens, TimeSpan FirstToken, int DoneMarkers, string? Error);

/// <summary>What a load run measured.</summary>
internal sealed record LoadReport(int Clients, IReadOnlyList<StreamResult> Results, TimeSpan Elapsed, double TtftP50Seconds, double TtftP99Seconds, double TokensPerSecond)
{
    public int Failed => Results.Count(r => r.Error is not null);

    /// <summary>Response ids that appear more than once (a request answered twice).</summary>
    public int DuplicateIds => Results.Where(r => r.Id is not null).GroupBy(r => r.Id).Count(g => g.Count() > 1);

    public override string ToString() =>
        $"{Clients} streaming clients: {Results.Sum(r => r.CompletionTokens)} tokens in {Elapsed.TotalSeconds:F2} s = {TokensPerSecond:F1} tokens/s aggregate; " +
        $"TTFT p50 {TtftP50Seconds * 1000:F0} ms, p99 {TtftP99Seconds * 1000:F0} ms; failed {Failed}, answered twice {DuplicateIds}";
}
