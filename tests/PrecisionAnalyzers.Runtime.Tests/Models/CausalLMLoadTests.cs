using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

public sealed class CausalLMLoadTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("precision-load-").FullName;

    public CausalLMLoadTests() => TorchSharpLoader.EnsureLoaded();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static bool CpuHasNativeBf16() =>
        File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal)).Split(' ').Any(f => f is "avx512_bf16" or "amx_bf16");

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("gemma3")]
    public void A_saved_checkpoint_loads_and_generates_what_the_in_memory_model_generates(string family)
    {
        var folder = Path.Combine(_root, family);
        TinyCheckpointWriter.Write(folder, family);
        using var tiny = TinyModelFactory.Create(family);
        using var expected = CausalLM.FromWeights(tiny.Config, tiny.WeightSource, DType.Float32);

        using var loaded = CausalLM.Load(folder, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });

        Assert.Equal(DType.Float32, loaded.Dtype);
        Assert.Equal("cpu", loaded.Device);
        var options = new GenerationOptions { MaxNewTokens = 6, CaptureLogits = true };
        var a = expected.Generate([3, 1, 4, 1, 5], options);
        var b = loaded.Generate([3, 1, 4, 1, 5], options);
        Assert.Equal(a.Tokens, b.Tokens);
        Assert.Equal(a.Logits![^1], b.Logits![^1]);
    }

    [Fact]
    public void A_sharded_checkpoint_loads_like_a_single_file()
    {
        TinyCheckpointWriter.Write(Path.Combine(_root, "single"), "llama");
        TinyCheckpointWriter.Write(Path.Combine(_root, "sharded"), "llama", maxShardBytes: 8_000);
        Assert.True(File.Exists(Path.Combine(_root, "sharded", Checkpoint.IndexFile)));

        using var single = CausalLM.Load(Path.Combine(_root, "single"), new LoadOptions { Dtype = DType.Float32 });
        using var sharded = CausalLM.Load(Path.Combine(_root, "sharded", "config.json"), new LoadOptions { Dtype = DType.Float32 });

        var options = new GenerationOptions { MaxNewTokens = 5, CaptureLogits = true };
        Assert.Equal(single.Generate([1, 2, 3], options).Logits![^1], sharded.Generate([1, 2, 3], options).Logits![^1]);
    }

    [Fact]
    public void Auto_follows_the_plan_for_this_machine()
    {
        var folder = Path.Combine(_root, "auto");
        TinyCheckpointWriter.Write(folder, "llama");

        using var lm = CausalLM.Load(folder);

        Assert.NotNull(lm.Plan);
        Assert.Equal(CpuHasNativeBf16() ? DType.BFloat16 : DType.Float32, lm.Dtype);
        Assert.Equal(lm.Plan!.Dtype, lm.Dtype);
    }

    [Fact]
    public void FP16_on_the_overflowing_gemma_warns_at_load_and_falls_back_when_it_overflows()
    {
        var folder = Path.Combine(_root, "overflow");
        TinyCheckpointWriter.Write(folder, "gemma3_text", new TinyModelOptions { Fp16Overflow = true, Dtype = DType.BFloat16 });

        using var lm = CausalLM.Load(folder, new LoadOptions { Dtype = DType.Float16 });
        var result = lm.Generate([5, 6, 7], new GenerationOptions { MaxNewTokens = 3 });

        Assert.Contains(lm.LoadWarnings, w => w.Code == RuntimeCodes.Float16UnsafeFamily);
        Assert.Equal(DType.BFloat16, result.Dtype);
        Assert.Contains(result.Warnings, w => w.Code == RuntimeCodes.NonFiniteActivations && w.Message.Contains("layer", StringComparison.Ordinal));
    }

    [Fact]
    public void Strict_FP16_on_an_unsafe_family_is_refused_with_PREC102()
    {
        var folder = Path.Combine(_root, "strict");
        TinyCheckpointWriter.Write(folder, "gemma2");

        var error = Assert.Throws<PrecisionException>(() => CausalLM.Load(folder, new LoadOptions { Dtype = DType.Float16, Strict = true }));

        Assert.Equal(RuntimeCodes.Float16UnsafeFamily, error.Code);
    }

    [Fact]
    public void Use_cache_comes_from_the_config_unless_the_options_say_otherwise()
    {
        var folder = Path.Combine(_root, "cache");
        TinyCheckpointWriter.Write(folder, "llama");

        using var fromConfig = CausalLM.Load(folder, new LoadOptions { Dtype = DType.Float32 });
        using var off = CausalLM.Load(folder, new LoadOptions { Dtype = DType.Float32, UseCache = false });

        Assert.True(fromConfig.UseCache);
        Assert.False(off.UseCache);
        Assert.False(off.Generate([1, 2], new GenerationOptions { MaxNewTokens = 2 }).UsedCache);
    }

    [Fact]
    public void A_truncated_weights_file_fails_before_any_tensor_is_read_and_names_the_file()
    {
        var folder = Path.Combine(_root, "truncated");
        TinyCheckpointWriter.Write(folder, "llama");
        var weights = Path.Combine(folder, Checkpoint.SingleFile);
        using (var stream = new FileStream(weights, FileMode.Open))
        {
            stream.SetLength(stream.Length - 100);
        }

        var error = Assert.Throws<SafetensorsFormatException>(() => CausalLM.Load(folder));
        Assert.Equal(weights, error.FilePath);
    }

    [Fact]
    public void Weights_of_another_model_are_a_mapping_error_listing_them()
    {
        var folder = Path.Combine(_root, "mismatch");
        TinyCheckpointWriter.Write(folder, "llama");
        TinyCheckpointWriter.Write(Path.Combine(_root, "qwen"), "qwen2");
        File.Copy(Path.Combine(_root, "qwen", "config.json"), Path.Combine(folder, "config.json"), overwrite: true);

        var error = Assert.Throws<WeightMappingException>(() => CausalLM.Load(folder, new LoadOptions { Dtype = DType.Float32 }));
        Assert.Contains("q_proj.bias", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_writer_refuses_a_non_empty_folder_and_leaves_nothing_behind_when_cancelled()
    {
        var used = Path.Combine(_root, "used");
        Directory.CreateDirectory(used);
        File.WriteAllText(Path.Combine(used, "notes.txt"), "mine");
        Assert.Throws<IOException>(() => TinyCheckpointWriter.Write(used, "llama"));
        Assert.Equal(new[] { Path.Combine(used, "notes.txt") }, Directory.GetFileSystemEntries(used));

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var fresh = Path.Combine(_root, "fresh");
        Assert.ThrowsAny<OperationCanceledException>(() => TinyCheckpointWriter.Write(fresh, "llama", cancellationToken: cancelled.Token));
        Assert.False(Directory.Exists(fresh));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(_root), e => Path.GetFileName(e).StartsWith(".fresh", StringComparison.Ordinal));
    }
}
