using System.Text;
using OpenAI.Chat;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Server;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Server.Tests;

/// <summary>Concurrent requests are decoded together, and each still gets exactly what it would get alone.</summary>
public sealed class BatchingTests(ITestOutputHelper output)
{
    private static readonly string[] Openings = ["Once upon a time", "One day", "Tom had a dog", "The sun was", "Lily and Ben", "There was a big tree"];

    [Fact]
    public async Task Concurrent_OpenAI_streams_are_batched_and_each_gets_its_greedy_answer_alone()
    {
        await using var running = await RunningServer.Start(RunningServer.Stories260K, new ServerOptions { MaxBatch = 4 });
        var expected = Openings.Select((opening, i) => OpenAiClientTests.Alone(running, opening, 40 + 7 * i)).ToArray();
        var client = OpenAiClientTests.ChatClientFor(running, "stories260K");

        var answers = await Task.WhenAll(Openings.Select(async (opening, i) =>
        {
            var text = new StringBuilder();
            await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage(opening)], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 + 7 * i }))
            {
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }
            }

            return text.ToString();
        }));

        var metrics = running.Server.Metrics.Render();
        output.WriteLine(string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("precision_decode_step", StringComparison.Ordinal))));
        Assert.Equal(expected, answers);
        Assert.True(Counter(metrics, "precision_decode_step_rows_total") > Counter(metrics, "precision_decode_steps_total"), "no decode step held more than one sequence");
    }

    [Fact]
    public async Task A_bounded_load_of_streaming_clients_loses_no_request_and_answers_none_twice()
    {
        const int clients = 16;
        const int tokens = 48;
        await using var running = await RunningServer.Start(RunningServer.Stories260K, new ServerOptions { MaxBatch = 8, MaxQueue = 16 });
        var expected = Enumerable.Range(0, clients).Select(i => running.Served!.Model.Generate(Prompt(i), Greedy(running, tokens)).Tokens).ToArray();

        var report = await StreamingLoad.Run(running.Http, "stories260K", clients, tokens, Prompt);

        output.WriteLine(report.ToString());
        Assert.Equal(0, report.Failed);
        Assert.Equal(0, report.DuplicateIds);
        Assert.Equal(clients, report.Results.Select(r => r.Id).Distinct().Count());
        foreach (var result in report.Results)
        {
            var alone = expected[result.Index];
            Assert.Equal(alone.Count, result.CompletionTokens);
            Assert.Equal(running.Served!.Tokenizer.Decode(alone), result.Text);
        }
    }

    // Distinct prompts: BOS, then a few story tokens that differ per client.
    private static int[] Prompt(int i) => [1, 403 + (i % 7), 260 + i, 29 + (i % 3)];

    private static GenerationOptions Greedy(RunningServer running, int tokens) => new() { MaxNewTokens = tokens, StopTokenIds = running.Served!.CompletionStops };

    private static double Counter(string metrics, string name) =>
        double.Parse(metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
