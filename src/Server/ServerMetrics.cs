using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace PrecisionAnalyzers.Server;

/// <summary>
/// The server's counters, written in Prometheus' text format at <c>/metrics</c>: requests by route and status, queue
/// length, active sequences, time to first token (histogram), prompt and generated tokens, decode speed, and the dtype
/// and device serving.
/// </summary>
public sealed class ServerMetrics
{
    private static readonly double[] TtftBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly ConcurrentDictionary<(string Route, int Status), long> _requests = new();
    private readonly long[] _ttftBuckets = new long[TtftBuckets.Length];
    private readonly object _ttftLock = new();
    private long _ttftCount;
    private double _ttftSum;
    private long _promptTokens;
    private long _generatedTokens;
    private long _steps;
    private long _stepRows;
    private double _decodeSeconds;
    private double _recentTokensPerSecond;
    private long _rejected;

    /// <summary>Requests waiting for a place in the batch (set by the scheduler).</summary>
    public int QueueLength { get; internal set; }

    /// <summary>Sequences in the batch now.</summary>
    public int ActiveSequences { get; internal set; }

    /// <summary>What the info metric names: model id, dtype and device.</summary>
    public (string Model, string Dtype, string Device) Serving { get; internal set; } = ("", "", "");

    public long GeneratedTokens => Interlocked.Read(ref _generatedTokens);

    public long Requests(string route, int status) => _requests.TryGetValue((route, status), out var n) ? n : 0;

    internal void Request(string route, int status) => _requests.AddOrUpdate((route, status), 1, (_, n) => n + 1);

    internal void Rejected() => Interlocked.Increment(ref _rejected);

    internal void PromptTokens(int count) => Interlocked.Add(ref _promptTokens, count);

    internal void FirstToken(TimeSpan sinceEnqueued)
    {
        var seconds = sinceEnqueued.TotalSeconds;
        lock (_ttftLock)
        {
            _ttftCount++;
            _ttftSum += seconds;
            for (var i = 0; i < TtftBuckets.Length; i++)
            {
                if (seconds <= TtftBuckets[i])
                {
                    _ttftBuckets[i]++;
                }
            }
        }
    }

    internal void Generated(int tokens) => Interlocked.Add(ref _generatedTokens, tokens);

    /// <summary>One batched decode step of <paramref name="rows"/> sequences that took <paramref name="elapsed"/>.</summary>
    internal void Step(int rows, TimeSpan elapsed)
    {
        lock (_ttftLock)
        {
            _steps++;
            _stepRows += rows;
            _decodeSeconds += elapsed.TotalSeconds;
            var rate = elapsed > TimeSpan.Zero ? rows / elapsed.TotalSeconds : 0;
            _recentTokensPerSecond = _recentTokensPerSecond == 0 ? rate : 0.9 * _recentTokensPerSecond + 0.1 * rate;
        }
    }

    /// <summary>The Prometheus text exposition (version 0.0.4).</summary>
    public string Render()
    {
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        static string Label(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

        Line("# HELP precision_model_info The model served, its dtype and device.");
        Line("# TYPE precision_model_info gauge");
        Line($"precision_model_info{{model=\"{Label(Serving.Model)}\",dtype=\"{Label(Serving.Dtype)}\",device=\"{Label(Serving.Device)}\"}} 1");
        Line("# HELP precision_requests_total HTTP requests answered, by route and status.");
        Line("# TYPE precision_requests_total counter");
        foreach (var ((route, status), count) in _requests.OrderBy(p => p.Key.Route, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
        {
            Line($"precision_requests_total{{route=\"{Label(route)}\",status=\"{status}\"}} {count}");
        }

        Line("# HELP precision_requests_rejected_total Requests refused because the queue was full (429).");
        Line("# TYPE precision_requests_rejected_total counter");
        Line($"precision_requests_rejected_total {Interlocked.Read(ref _rejected)}");
        Line("# HELP precision_queue_length Requests waiting for a place in the batch.");
        Line("# TYPE precision_queue_length gauge");
        Line($"precision_queue_length {QueueLength}");
        Line("# HELP precision_active_sequences Sequences being decoded together.");
        Line("# TYPE precision_active_sequences gauge");
        Line($"precision_active_sequences {ActiveSequences}");
        Line("# HELP precision_prompt_tokens_total Prompt tokens prefilled.");
        Line("# TYPE precision_prompt_tokens_total counter");
        Line($"precision_prompt_tokens_total {Interlocked.Read(ref _promptTokens)}");
        Line("# HELP precision_generated_tokens_total Tokens generated.");
        Line("# TYPE precision_generated_tokens_total counter");
        Line($"precision_generated_tokens_total {GeneratedTokens}");
        lock (_ttftLock)
        {
            Line("# HELP precision_time_to_first_token_seconds From a request's arrival in the queue to its first token.");
            Line("# TYPE precision_time_to_first_token_seconds histogram");
            for (var i = 0; i < TtftBuckets.Length; i++)
            {
                Line($"precision_time_to_first_token_seconds_bucket{{le=\"{N(TtftBuckets[i])}\"}} {_ttftBuckets[i]}");
            }

            Line($"precision_time_to_first_token_seconds_bucket{{le=\"+Inf\"}} {_ttftCount}");
            Line($"precision_time_to_first_token_seconds_sum {N(_ttftSum)}");
            Line($"precision_time_to_first_token_seconds_count {_ttftCount}");
            Line("# HELP precision_decode_steps_total Batched decode steps.");
            Line("# TYPE precision_decode_steps_total counter");
            Line($"precision_decode_steps_total {_steps}");
            Line("# HELP precision_decode_step_rows_total Sequences summed over decode steps (divide by steps for the mean batch).");
            Line("# TYPE precision_decode_step_rows_total counter");
            Line($"precision_decode_step_rows_total {_stepRows}");
            Line("# HELP precision_decode_seconds_total Time spent in batched decode steps.");
            Line("# TYPE precision_decode_seconds_total counter");
            Line($"precision_decode_seconds_total {N(_decodeSeconds)}");
            Line("# HELP precision_decode_tokens_per_second Aggregate decode tokens per second of recent steps (moving average).");
            Line("# TYPE precision_decode_tokens_per_second gauge");
            Line($"precision_decode_tokens_per_second {N(_recentTokensPerSecond)}");
        }

        return text.ToString();
    }
}
