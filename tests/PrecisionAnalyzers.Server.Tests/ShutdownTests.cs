using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace PrecisionAnalyzers.Server.Tests;

/// <summary>
/// <c>precision serve</c> as a process: SIGTERM stops it taking requests, lets the request in flight finish within the
/// grace period, and the process exits 0.
/// </summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task SIGTERM_finishes_the_request_in_flight_then_exits_0()
    {
        using var process = StartServe(TestFolders.LongModel, "--grace-seconds", "120", "--dtype", "float32");
        try
        {
            var address = await WaitForReady(process);
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(3) };
            const int tokens = 400;
            var body = JsonSerializer.Serialize(new { prompt = new[] { 1, 2, 3 }, max_tokens = tokens, stream = true });
            using var response = await http.SendAsync(Sse.Post("/v1/completions", body), HttpCompletionOption.ResponseHeadersRead);
            var events = Sse.Events(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
            Assert.True(await events.MoveNextAsync());

            Signal(process, "TERM");
            var done = false;
            var last = default(JsonElement?);
            while (await events.MoveNextAsync())
            {
                if (events.Current is null)
                {
                    done = true;
                    break;
                }

                last = events.Current;
            }

            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token);
            Assert.True(done, "the stream in flight did not end with [DONE]");
            Assert.Equal("length", last!.Value.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
            Assert.Equal(0, process.ExitCode);
            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/health"));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task The_server_answers_health_at_once_and_ready_once_loaded_on_loopback()
    {
        using var process = StartServe(RunningServer.Stories260K);
        try
        {
            var address = await WaitForReady(process);
            using var http = new HttpClient { BaseAddress = address };

            Assert.True(IPAddress.IsLoopback(IPAddress.Parse(address.Host)));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/ready")).StatusCode);
            var metrics = await http.GetStringAsync("/metrics");
            Assert.Contains("precision_model_info{model=\"stories260K\",dtype=", metrics, StringComparison.Ordinal);
            Signal(process, "TERM");
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static Process StartServe(string model, params string[] more)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "precision.dll"), "serve", model, "--port", "0", .. more])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    // Reads the server's stdout until it says ready; returns where it listens.
    private static async Task<Uri> WaitForReady(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Uri? address = null;
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            const string listening = "listening on ";
            if (line.Contains(listening, StringComparison.Ordinal))
            {
                address = new Uri(line[(line.IndexOf(listening, StringComparison.Ordinal) + listening.Length)..].Split(' ')[0]);
            }

            if (line.StartsWith("ready:", StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync();
                return address ?? throw new InvalidOperationException("ready before listening?");
            }
        }

        throw new InvalidOperationException("precision serve ended before it was ready: " + await process.StandardError.ReadToEndAsync());
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
