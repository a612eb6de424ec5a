using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Tests.RealModels;
using Xunit.Abstractions;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

/// <summary>
/// Continuous batching must not change what a sequence gets: every sequence decoded in a <see cref="DecodeBatch"/>, with
/// others joining and leaving around it, gives the greedy tokens <see cref="TokenGenerator"/> gives it alone.
/// </summary>
public sealed class DecodeBatchTests(ITestOutputHelper output)
{
    private static readonly int[][] Prompts =
    [
        [1, 17, 5, 88, 42, 3, 60, 9, 71, 30, 44, 12],
        [7, 2],
        [90, 91, 92, 5, 6],
        [3],
        [8, 8, 8, 8, 8, 8, 8, 8],
    ];

    [Theory]
    [MemberData(nameof(ModelTestData.Families), MemberType = typeof(ModelTestData))]
    public void Every_sequence_of_a_batch_gets_the_greedy_tokens_it_gets_alone(string family)
    {
        using var tiny = TinyModelFactory.Create(family);
        using var model = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.Float32);
        int[] lengths = [9, 4, 12, 7, 10];
        var alone = Prompts.Select((prompt, i) => TokenGenerator.Generate(model, prompt, Greedy(lengths[i]), useCache: true).Tokens.ToArray()).ToArray();

        var batched = RunStaggered(model, Prompts, lengths);

        for (var i = 0; i < Prompts.Length; i++)
        {
            output.WriteLine($"{family} #{i}: alone {string.Join(",", alone[i])} | batched {string.Join(",", batched[i])}");
            Assert.Equal(alone[i], batched[i]);
        }
    }

    [Fact]
    public void A_batched_step_gives_each_row_the_logits_of_its_own_decode_step()
    {
        using var tiny = TinyModelFactory.Create("gemma2");
        using var model = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.Float32);
        var caches = Prompts.Select(_ => model.CreateCache()!).ToArray();
        var references = Prompts.Select(_ => model.CreateCache()!).ToArray();
        try
        {
            for (var i = 0; i < Prompts.Length; i++)
            {
                using var ids = ModelTestData.Ids(Prompts[i]);
                model.Forward(ids, caches[i]).Dispose();
                model.Forward(ids, references[i]).Dispose();
            }

            int[] next = [11, 22, 33, 44, 55];
            using var batched = model.ForwardDecode(next, caches);
            var rows = batched.to_type(TorchSharp.torch.ScalarType.Float32).data<float>().ToArray();
            var vocabulary = (int)batched.shape[1];
            var worst = 0.0;
            for (var i = 0; i < Prompts.Length; i++)
            {
                using var ids = ModelTestData.Ids([next[i]]);
                using var single = model.Forward(ids, references[i]);
                var expected = ModelTestData.ToArray(single);
                for (var v = 0; v < vocabulary; v++)
                {
                    worst = Math.Max(worst, Math.Abs(rows[i * vocabulary + v] - expected[0, v]));
                }

                Assert.Equal(references[i].Length, caches[i].Length);
            }

            output.WriteLine($"max |batched − alone| = {worst:E2}");
            Assert.True(worst < 2e-5, $"batched logits differ by {worst:E2}");
        }
        finally
        {
            foreach (var cache in caches.Concat(references))
            {
                cache.Dispose();
            }
        }
    }

    [Fact]
    public void Stories260K_streams_decoded_together_match_the_published_story_and_each_alone()
    {
        var known = Stories260K.Load();
        var config = ModelConfig.Load(Stories260K.Folder);
        using var checkpoint = Checkpoint.Open(Stories260K.Folder);
        using var model = DecoderModel.Build(config, checkpoint, DType.Float32);
        var prompts = new[] { known.PromptIds, known.PromptIds[..3], [1, 500, 42], known.PromptIds };
        int[] lengths = [40, 25, 30, 33];
        var alone = prompts.Select((prompt, i) => TokenGenerator.Generate(model, prompt, Greedy(lengths[i]), useCache: true).Tokens.ToArray()).ToArray();

        var batched = RunStaggered(model, prompts, lengths);

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(alone[i], batched[i]);
        }

        Assert.Equal(known.ContinuationIds.Take(40), batched[0].Take(known.ContinuationIds.Length));
    }

    [Fact]
    public void A_removed_sequence_frees_its_cache_and_the_others_go_on()
    {
        using var tiny = TinyModelFactory.Create("llama");
        using var model = DecoderModel.Build(tiny.Config, tiny.WeightSource, DType.Float32);
        using var batch = new DecodeBatch(model);
        var kept = batch.Join(Prompts[0], Greedy(6));
        var dropped = batch.Join(Prompts[1], Greedy(6));
        batch.Step();
        batch.Remove(dropped);
        Assert.Equal(0, dropped.Cache.HeldPositions(0));
        while (batch.Active.Count > 0)
        {
            batch.Step();
        }

        Assert.Equal(TokenGenerator.Generate(model, Prompts[0], Greedy(6), useCache: true).Tokens, kept.Tokens);
        Assert.Equal(StopReason.MaxNewTokens, kept.StopReason);
    }

    private static GenerationOptions Greedy(int tokens) => new() { MaxNewTokens = tokens };

    // Sequence i joins after i steps of the others, so rows join and leave while others decode.
    private static int[][] RunStaggered(DecoderModel model, int[][] prompts, int[] lengths)
    {
        using var batch = new DecodeBatch(model);
        var sequences = new DecodeSequence?[prompts.Length];
        var joined = 0;
        while (joined < prompts.Length || batch.Active.Count > 0)
        {
            if (joined < prompts.Length)
            {
                sequences[joined] = batch.Join(prompts[joined], Greedy(lengths[joined]));
                joined++;
            }

            batch.Step();
        }

        return sequences.Select(s => s!.Tokens.ToArray()).ToArray();
    }
}
