using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Training;
using static PrecisionAnalyzers.Runtime.Tests.Training.TrainingTestData;

namespace PrecisionAnalyzers.Runtime.Tests.Training;

public sealed class LoraTrainerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("precision-train-").FullName;

    public LoraTrainerTests() => TorchSharpLoader.EnsureLoaded();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(DType.BFloat16)]
    [InlineData(DType.Float16)]
    public void LoRA_training_on_a_gemma3_model_with_use_cache_true_learns_and_saves(DType dtype)
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        var data = TextDataset.Load(WriteJsonl(Path.Combine(_root, "data.jsonl"), Sequences()), null, 32);
        using var lm = CausalLM.Load(model, new LoadOptions { Dtype = dtype, Device = "cpu" });
        Assert.True(lm.UseCache);
        var before = LoraTrainer.EvaluateLoss(lm, data);

        using var trainer = new LoraTrainer(lm, Options());
        var result = trainer.Train(data, Path.Combine(_root, "out"));

        var after = LoraTrainer.EvaluateLoss(lm, data);
        Assert.Equal(30, result.Steps);
        Assert.Equal(dtype, result.Dtype);
        Assert.True(after < 0.35 * before, $"loss {before:F3} → {after:F3} ({dtype}); step losses {string.Join(", ", result.Losses.Select(l => l.ToString("F2")))}");
        Assert.Contains(result.Warnings, w => w.Code == RuntimeCodes.CacheDisabledForTraining);
        Assert.False(lm.IsTraining);
        Assert.Equal(Path.Combine(_root, "out", "checkpoint-30"), result.Checkpoint);
        Assert.True(PeftAdapterFormat.Exists(result.Checkpoint!));

        // The base weights never moved: only adapters were trained.
        using var fresh = CausalLM.Load(model, new LoadOptions { Dtype = dtype, Device = "cpu" });
        foreach (var (name, weight) in fresh.Model.StateDict)
        {
            Assert.True(weight.allclose(lm.Model.StateDict[name], 0, 0), name);
        }

        // Reloading the saved adapter onto a fresh base gives the trained model's logits.
        var expected = Logits(lm, Sequences()[0]);
        using var reloaded = CausalLM.Load(model, new LoadOptions { Dtype = dtype, Device = "cpu", Adapter = result.Checkpoint });
        Assert.Equal(expected, Logits(reloaded, Sequences()[0]));
    }

    [Fact]
    public void FP16_training_skips_overflowing_steps_and_shrinks_the_loss_scale()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        var data = TextDataset.Load(WriteJsonl(Path.Combine(_root, "data.jsonl"), Sequences()), null, 32);
        using var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float16, Device = "cpu" });
        var steps = new List<TrainingProgress>();

        // 2^24 overflows FP16 gradients at once: the first steps must be skipped until the scale is small enough.
        using var trainer = new LoraTrainer(lm, Options(steps: 20) with { InitialLossScale = Math.Pow(2, 24), LossScaleGrowthInterval = 5 });
        var result = trainer.Train(data, progress: new SynchronousProgress<TrainingProgress>(steps.Add));

        Assert.True(result.SkippedSteps >= 1, "no step was skipped");
        Assert.True(steps[0].LossScale < Math.Pow(2, 24));
        Assert.Contains(steps, p => p.SkippedSteps == result.SkippedSteps && p.LossScale > steps.Min(q => q.LossScale));
        Assert.True(result.FinalLoss < result.InitialLoss * 0.6, $"{result.InitialLoss} → {result.FinalLoss}");
    }

    [Fact]
    public void A_run_interrupted_at_a_checkpoint_and_resumed_ends_with_the_adapters_of_an_uninterrupted_run()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        var data = TextDataset.Load(WriteJsonl(Path.Combine(_root, "data.jsonl"), Sequences()), null, 32);
        var options = Options(steps: 8, saveEvery: 4, dropout: 0.1);

        using (var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.BFloat16, Device = "cpu" }))
        using (var trainer = new LoraTrainer(lm, options))
        {
            trainer.Train(data, Path.Combine(_root, "whole"));
        }

        using (var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.BFloat16, Device = "cpu" }))
        using (var trainer = new LoraTrainer(lm, options))
        using (var cancel = new CancellationTokenSource())
        {
            var progress = new SynchronousProgress<TrainingProgress>(p =>
            {
                if (p.Checkpoint is not null)
                {
                    cancel.Cancel();
                }
            });
            Assert.Throws<OperationCanceledException>(() => trainer.Train(data, Path.Combine(_root, "parts"), progress, cancel.Token));
        }

        Assert.Equal([4], TrainingCheckpoint.List(Path.Combine(_root, "parts")).Select(c => c.Step));
        using (var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.BFloat16, Device = "cpu" }))
        using (var trainer = new LoraTrainer(lm, options, resumeFrom: Path.Combine(_root, "parts")))
        {
            Assert.Equal(4, trainer.Step);
            var result = trainer.Train(data, Path.Combine(_root, "parts"));
            Assert.Equal(8, result.Losses.Count);
        }

        var whole = TrainingCheckpoint.ReadState(Path.Combine(_root, "whole", "checkpoint-8"));
        var parts = TrainingCheckpoint.ReadState(Path.Combine(_root, "parts", "checkpoint-8"));
        Assert.Equal(whole.Losses, parts.Losses);
        using var a = PrecisionAnalyzers.Runtime.Checkpoints.SafetensorsReader.Open(Path.Combine(_root, "whole", "checkpoint-8", PeftAdapterFormat.WeightsFile));
        using var b = PrecisionAnalyzers.Runtime.Checkpoints.SafetensorsReader.Open(Path.Combine(_root, "parts", "checkpoint-8", PeftAdapterFormat.WeightsFile));
        Assert.Equal(a.Tensors.Select(t => t.Name), b.Tensors.Select(t => t.Name));
        foreach (var info in a.Tensors)
        {
            using var x = a.Read(info.Name);
            using var y = b.Read(info.Name);
            var difference = (x - y).abs().max().item<float>();
            Assert.True(difference <= 1e-6f, $"{info.Name} differs by {difference}");
        }
    }

    [Fact]
    public void Cancelling_mid_run_leaves_the_last_checkpoint_whole_and_no_temporary_folder()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        var data = TextDataset.Load(WriteJsonl(Path.Combine(_root, "data.jsonl"), Sequences()), null, 32);
        using var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.BFloat16, Device = "cpu" });
        using var trainer = new LoraTrainer(lm, Options(steps: 10, saveEvery: 2));
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.Step == 5)
            {
                cancel.Cancel();
            }
        });

        Assert.Throws<OperationCanceledException>(() => trainer.Train(data, Path.Combine(_root, "out"), progress, cancel.Token));

        Assert.Equal(["checkpoint-2", "checkpoint-4"], Directory.GetDirectories(Path.Combine(_root, "out")).Select(Path.GetFileName).Order());
        Assert.False(lm.IsTraining);
        using var reloaded = CausalLM.Load(model, new LoadOptions { Dtype = DType.BFloat16, Device = "cpu", Adapter = Path.Combine(_root, "out", "checkpoint-4") });
        Assert.Equal(4, TrainingCheckpoint.ReadState(Path.Combine(_root, "out", "checkpoint-4")).Step);
    }

    [Fact]
    public void An_output_folder_holding_later_checkpoints_is_refused_before_training()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        var data = TextDataset.Load(WriteJsonl(Path.Combine(_root, "data.jsonl"), Sequences()), null, 32);
        using var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        using (var trainer = new LoraTrainer(lm, Options(steps: 2)))
        {
            trainer.Train(data, Path.Combine(_root, "out"));
        }

        using var again = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        using var second = new LoraTrainer(again, Options(steps: 2));
        var error = Assert.Throws<IOException>(() => second.Train(data, Path.Combine(_root, "out")));
        Assert.Contains("checkpoint-2", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, second.Step);
    }

    [Fact]
    public void Resuming_with_other_LoRA_settings_is_refused()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        var data = TextDataset.Load(WriteJsonl(Path.Combine(_root, "data.jsonl"), Sequences()), null, 32);
        using (var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu" }))
        using (var trainer = new LoraTrainer(lm, Options(steps: 2)))
        {
            trainer.Train(data, Path.Combine(_root, "out"));
        }

        using var other = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        var options = Options(steps: 4) with { Lora = new LoraOptions { Rank = 4 } };
        var error = Assert.Throws<ArgumentException>(() => new LoraTrainer(other, options, resumeFrom: Path.Combine(_root, "out")));
        Assert.Contains("r=8", error.Message, StringComparison.Ordinal);
    }
}
