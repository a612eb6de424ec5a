using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Native;
using static PrecisionAnalyzers.Runtime.Tests.Training.TrainingTestData;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Tests.Training;

public sealed class LoraAdapterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("precision-lora-").FullName;

    public LoraAdapterTests() => TorchSharpLoader.EnsureLoaded();

    public void Dispose()
    {
        foreach (var lm in _extra)
        {
            lm.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void New_adapters_leave_the_output_unchanged_until_trained()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        using var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        var before = Logits(lm, Sequences()[0]);

        var adapters = lm.AddLora(new LoraOptions { Rank = 4, TargetModules = LoraOptions.AllLinearModules }, seed: 3);

        Assert.Equal(before, Logits(lm, Sequences()[0]));
        Assert.Equal(7 * 3, adapters.Adapters.Count); // 7 projections in each of 3 layers
        Assert.All(adapters.Parameters.Values, p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.All(adapters.Parameters.Values, p => Assert.True(p.requires_grad));
        Assert.All(lm.Model.StateDict.Values, w => Assert.False(w.requires_grad));
    }

    [Fact]
    public void Only_the_targeted_projections_get_adapters()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        using var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });

        var adapters = lm.AddLora(new LoraOptions { Rank = 2 });

        Assert.Equal(["k_proj", "o_proj", "q_proj", "v_proj"], adapters.Adapters.Select(a => a.ModuleName[(a.ModuleName.LastIndexOf('.') + 1)..]).Distinct().Order());
        Assert.Equal(3 * 4, adapters.Adapters.Count);
        Assert.Equal(
            "base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight",
            adapters.Adapters[0].PeftNameA);
    }

    [Fact]
    public void A_saved_adapter_is_in_PEFT_layout_and_reloads_to_the_same_logits()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        using var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        var adapters = lm.AddLora(new LoraOptions { Rank = 4, Alpha = 8, Dropout = 0.1 }, seed: 1);
        Perturb(adapters);
        var expected = Logits(lm, Sequences()[1]);
        var folder = Path.Combine(_root, "adapter");

        adapters.Save(folder);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PeftAdapterFormat.ConfigFile)))!.AsObject();
        Assert.Equal("LORA", (string?)config["peft_type"]);
        Assert.Equal(4, (int)config["r"]!);
        Assert.Equal(8.0, (double)config["lora_alpha"]!);
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj"], config["target_modules"]!.AsArray().Select(n => (string)n!));
        using (var reader = SafetensorsReader.Open(Path.Combine(folder, PeftAdapterFormat.WeightsFile)))
        {
            var a = reader.Info("base_model.model.language_model.model.layers.2.self_attn.o_proj.lora_A.weight");
            var b = reader.Info("base_model.model.language_model.model.layers.2.self_attn.o_proj.lora_B.weight");
            Assert.Equal([4L, lm.Config.NumAttentionHeads * lm.Config.HeadDim], a.Shape);
            Assert.Equal([lm.Config.HiddenSize, 4L], b.Shape);
            Assert.Equal(2 * 4 * 3, reader.Tensors.Count);
        }

        using var reloaded = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu", Adapter = folder });
        Assert.Equal(expected, Logits(reloaded, Sequences()[1]));
        Assert.NotEqual(Logits(Base(model, DType.Float32), Sequences()[1]), expected);
    }

    [Fact]
    public void An_adapter_for_another_shape_is_refused_naming_the_tensor()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        var folder = Path.Combine(_root, "adapter");
        using (var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu" }))
        {
            lm.AddLora(new LoraOptions { Rank = 4 }).Save(folder);
        }

        var configPath = Path.Combine(folder, PeftAdapterFormat.ConfigFile);
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"r\": 4", "\"r\": 2", StringComparison.Ordinal));
        using var target = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });

        var error = Assert.Throws<AdapterFormatException>(() => target.LoadAdapter(folder));
        Assert.Contains("layers.0.self_attn.q_proj.lora_A.weight has shape [4, 32], expected [2, 32]", error.Message, StringComparison.Ordinal);
        Assert.Null(target.Adapters);
        Assert.All(target.Model.Projections, p => Assert.Null(p.Adapter));
    }

    [Theory]
    [InlineData("{\"peft_type\": \"PREFIX_TUNING\", \"r\": 4}", "peft_type 'PREFIX_TUNING' is not supported")]
    [InlineData("{\"peft_type\": \"LORA\"}", "'r' is missing")]
    [InlineData("{\"peft_type\": \"LORA\", \"r\": 4, \"fan_in_fan_out\": true}", "fan_in_fan_out")]
    [InlineData("{\"peft_type\": \"LORA\", \"r\": 4, \"target_modules\": [\"lm_head\"]}", "target modules")]
    [InlineData("{\"peft_type\": ", "is not valid JSON")]
    [InlineData("{\"peft_type\": \"LORA\", \"r\": 4, \"r\": 64}", "the key 'r' twice")]
    public void A_bad_adapter_config_is_refused_by_key(string json, string expected)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "bad")).FullName;
        File.WriteAllText(Path.Combine(folder, PeftAdapterFormat.ConfigFile), json);

        var error = Assert.Throws<AdapterFormatException>(() => PeftAdapterFormat.ReadConfig(folder, out _));

        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith(PeftAdapterFormat.ConfigFile, error.FilePath, StringComparison.Ordinal);
    }

    [Fact]
    public void A_merged_FP32_checkpoint_gives_the_logits_of_base_plus_adapters()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        using var lm = Adapted(model, DType.Float32);
        var expected = Logits(lm, Sequences()[2]);
        var merged = Path.Combine(_root, "merged");

        lm.SaveMerged(merged);

        using var reloaded = CausalLM.Load(merged, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        Assert.Null(reloaded.Adapters);
        Assert.Equal(DType.Float32, reloaded.Config.DeclaredDtype);
        var actual = Logits(reloaded, Sequences()[2]);
        Assert.True(MaxDifference(expected, actual) <= 1e-4, $"max |Δlogit| = {MaxDifference(expected, actual)}");
        Assert.True(MaxDifference(Logits(Base(model, DType.Float32), Sequences()[2]), actual) > 0.1, "the merge changed nothing");

        // A whole checkpoint: the multimodal checkpoint's vision tower and projector are carried through, the tokenizer-free
        // config keeps its vision_config.
        using var source = Checkpoint.Open(model);
        using var written = Checkpoint.Open(merged);
        Assert.Equal(source.Names.Order(), written.Names.Order());
        Assert.Contains(written.Names, name => name.StartsWith("vision_tower.", StringComparison.Ordinal));
        Assert.Contains("vision_config", File.ReadAllText(Path.Combine(merged, "config.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_merged_BF16_checkpoint_is_as_close_to_the_FP32_answer_as_base_plus_adapters_in_BF16()
    {
        // BF16 rounds W + ΔW once where the unmerged model rounds W and ΔW·x separately: both differ from the exact FP32
        // answer by BF16 rounding, and the merged one must not be worse by more than a small factor.
        var model = WriteGemma3(Path.Combine(_root, "base"), DType.BFloat16);
        using var reference = Adapted(model, DType.Float32);
        using var unmerged = Adapted(model, DType.BFloat16);
        var exact = Logits(reference, Sequences()[2]);
        var merged = Path.Combine(_root, "merged");

        unmerged.SaveMerged(merged);

        using var reloaded = CausalLM.Load(merged, new LoadOptions { Dtype = DType.BFloat16, Device = "cpu" });
        Assert.Equal(DType.BFloat16, reloaded.Config.DeclaredDtype);
        var mergedError = MaxDifference(exact, Logits(reloaded, Sequences()[2]));
        var unmergedError = MaxDifference(exact, Logits(unmerged, Sequences()[2]));
        Assert.True(mergedError <= (2 * unmergedError) + 0.05, $"merged BF16 is off by {mergedError}, base + adapters in BF16 by {unmergedError}");
        Assert.True(MaxDifference(Logits(Base(model, DType.BFloat16), Sequences()[2]), exact) > 10 * mergedError, "the adapters changed too little for the test to mean anything");
    }

    private CausalLM Adapted(string folder, DType dtype)
    {
        var lm = CausalLM.Load(folder, new LoadOptions { Dtype = dtype, Device = "cpu" });
        Perturb(lm.AddLora(new LoraOptions { Rank = 4, TargetModules = LoraOptions.AllLinearModules }, seed: 2));
        return lm;
    }

    private static double MaxDifference(float[] x, float[] y) => x.Zip(y, (a, b) => Math.Abs((double)a - b)).Max();

    [Fact]
    public void Merging_into_an_existing_folder_is_refused_and_leaves_it_alone()
    {
        var model = WriteGemma3(Path.Combine(_root, "base"));
        using var lm = CausalLM.Load(model, new LoadOptions { Dtype = DType.Float32, Device = "cpu" });
        lm.AddLora(new LoraOptions());
        var existing = Directory.CreateDirectory(Path.Combine(_root, "taken")).FullName;
        File.WriteAllText(Path.Combine(existing, "keep.txt"), "mine");

        Assert.Throws<IOException>(() => lm.SaveMerged(existing));

        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(existing).Select(Path.GetFileName));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(_root), e => Path.GetFileName(e).StartsWith(".taken", StringComparison.Ordinal));
    }

    private readonly List<CausalLM> _extra = [];

    private CausalLM Base(string folder, DType dtype)
    {
        var lm = CausalLM.Load(folder, new LoadOptions { Dtype = dtype, Device = "cpu" });
        _extra.Add(lm);
        return lm;
    }

    private static void Perturb(LoraAdapterSet adapters)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(99);
        foreach (var adapter in adapters.Adapters)
        {
            adapter.B.copy_(randn(adapter.B.shape, generator: generator) * 0.5);
        }
    }
}
