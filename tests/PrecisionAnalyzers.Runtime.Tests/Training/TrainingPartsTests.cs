using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Training;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Training;

public sealed class TrainingPartsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("precision-parts-").FullName;

    public TrainingPartsTests() => TorchSharpLoader.EnsureLoaded();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void AdamW_takes_the_textbook_step()
    {
        using var parameter = tensor(new[] { 1.0f, -2.0f }).requires_grad_();
        using var optimizer = new AdamW(new Dictionary<string, Tensor> { ["p"] = parameter }, weightDecay: 0.1);
        using (var loss = (parameter * tensor(new[] { 3.0f, 0.5f })).sum())
        {
            loss.backward();
        }

        optimizer.Step(0.01);

        // Step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g| + ε) = ±lr, after decay p·(1 − lr·wd).
        var values = parameter.detach().data<float>().ToArray();
        Assert.Equal((1.0 * (1 - 0.001)) - 0.01, values[0], 6);
        Assert.Equal((-2.0 * (1 - 0.001)) - 0.01, values[1], 6);
        Assert.Equal(1, optimizer.StepCount);
    }

    [Fact]
    public void The_schedule_warms_up_then_decays_to_zero()
    {
        var linear = new LearningRateSchedule(1.0, WarmupSteps: 3, TotalSteps: 13);
        Assert.Equal([0.25, 0.5, 0.75, 1.0], Enumerable.Range(0, 4).Select(linear.RateAt));
        Assert.Equal(0.5, linear.RateAt(8), 10);
        Assert.Equal(0.1, linear.RateAt(12), 10);

        var cosine = new LearningRateSchedule(1.0, 0, 10, ScheduleKind.Cosine);
        Assert.Equal(1.0, cosine.RateAt(0), 10);
        Assert.Equal(0.5, cosine.RateAt(5), 10);
        Assert.Equal(1.0, new LearningRateSchedule(1.0, 0, 10, ScheduleKind.Constant).RateAt(9));
    }

    [Fact]
    public void The_loss_scaler_halves_on_overflow_and_doubles_after_clean_steps()
    {
        var scaler = new DynamicLossScaler(1024, growthInterval: 3);

        Assert.False(scaler.Update(gradientsFinite: false));
        Assert.Equal(512, scaler.Scale);
        Assert.True(scaler.Update(true));
        Assert.True(scaler.Update(true));
        Assert.Equal(512, scaler.Scale);
        Assert.True(scaler.Update(true));
        Assert.Equal(1024, scaler.Scale);
        Assert.Equal(1, scaler.SkippedSteps);
    }

    [Fact]
    public void Batches_are_a_pure_function_of_their_index_and_cover_every_example_each_epoch()
    {
        var data = TextDataset.FromTokens(Enumerable.Range(0, 6).Select(i => new[] { i + 10, i + 20, i + 30 }), maxLength: 8);

        var epoch = Enumerable.Range(0, 3).SelectMany(i => data.BatchIndices(i, 2, seed: 4)).ToArray();
        Assert.Equal(Enumerable.Range(0, 6), epoch.Order());
        Assert.Equal(epoch, Enumerable.Range(0, 3).SelectMany(i => TextDataset.FromTokens(data.Examples, 8).BatchIndices(i, 2, seed: 4)));
        Assert.NotEqual(epoch, Enumerable.Range(0, 3).SelectMany(i => data.BatchIndices(i, 2, seed: 5)));
    }

    [Fact]
    public void A_batch_pads_right_and_ignores_padding_in_the_labels()
    {
        var data = TextDataset.FromTokens([[5, 6, 7, 8], [9, 10]], maxLength: 8);
        var indices = data.BatchIndices(0, 2, seed: 1);

        var (inputs, labels, tokens) = data.Batch(0, 2, seed: 1, padId: 0, CPU);
        using (inputs)
        using (labels)
        {
            Assert.Equal(4, tokens);
            var rows = indices.Select(i => data.Examples[i]).ToArray();
            var inputRows = inputs.data<long>().ToArray().Chunk(3).ToArray();
            var labelRows = labels.data<long>().ToArray().Chunk(3).ToArray();
            for (var r = 0; r < 2; r++)
            {
                var row = rows[r];
                Assert.Equal(row[..^1].Select(i => (long)i).Concat(Enumerable.Repeat(0L, 4 - row.Length)), inputRows[r]);
                Assert.Equal(row[1..].Select(i => (long)i).Concat(Enumerable.Repeat(TextDataset.IgnoreIndex, 4 - row.Length)), labelRows[r]);
            }
        }
    }

    [Theory]
    [InlineData("{\"input_ids\": [1, 2, 3]}\n{\"input_ids\": [4, 5]\n", 2, "malformed JSON")]
    [InlineData("{\"input_ids\": [1, -2]}\n", 1, "non-negative integers")]
    [InlineData("{\"prompt\": \"x\"}\n", 1, "neither a \"text\" string nor an \"input_ids\" array")]
    [InlineData("{\"text\": \"hello\"}\n", 1, "needs a tokenizer")]
    [InlineData("\n\n", 0, "no examples")]
    [InlineData("{\"input_ids\": [1]}\n", 0, "two or more tokens")]
    public void Bad_training_data_is_refused_with_its_line(string content, int line, string problem)
    {
        var path = Path.Combine(_root, "data.jsonl");
        File.WriteAllText(path, content);

        var error = Assert.Throws<DatasetException>(() => TextDataset.Load(path, null, 16));

        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_lines_are_encoded_with_the_tokenizer_and_end_with_EOS()
    {
        var folder = Path.Combine(_root, "model");
        Models.TinyCheckpointWriterAccess.WriteWithTokenizer(folder);
        var tokenizer = PrecisionAnalyzers.Runtime.Tokenization.CheckpointTokenizer.Load(folder);
        var path = Path.Combine(_root, "lines.txt");
        File.WriteAllLines(path, ["the cat sat", "", "on the mat"]);

        var data = TextDataset.Load(path, tokenizer, maxLength: 64);

        Assert.Equal(2, data.Examples.Count);
        Assert.Equal([.. tokenizer.Encode("the cat sat"), tokenizer.SpecialTokens.EosId!.Value], data.Examples[0]);
        Assert.Equal("on the mat", tokenizer.Decode(data.Examples[1]));
    }
}
