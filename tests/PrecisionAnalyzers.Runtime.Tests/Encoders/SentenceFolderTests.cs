using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Encoders;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Encoders;

/// <summary>Loading sentence-transformers folders written by the tiny encoder factory, and folders that are wrong.</summary>
public sealed class SentenceFolderTests : IDisposable
{
    private readonly string _folder = EncoderTestData.NewFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("bert", false)]
    [InlineData("bert", true)]
    [InlineData("roberta", false)]
    [InlineData("xlm-roberta", true)]
    public void A_folder_loads_and_matches_the_same_weights_built_in_memory(string family, bool prefixed)
    {
        var options = new TinyEncoderOptions { Family = family, PrefixedNames = prefixed, Normalize = false };
        TinyEncoderFactory.WriteFolder(_folder, options);
        using var loaded = EncoderTestData.Load(_folder);
        using var tiny = TinyEncoderFactory.Create(options);
        Assert.Equal(family, loaded.Config.Model.ModelType);
        using var built = EncoderTestData.FromTiny(tiny, DType.Float32, maxSeqLength: 32);
        Assert.Equal(32, loaded.MaxTokens);
        Assert.Equal(32, loaded.Dimension);
        Assert.False(loaded.Normalize);
        var a = loaded.Encode(EncoderTestData.Texts);
        var b = built.Encode(EncoderTestData.Texts);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(b[i], a[i]);
        }
    }

    [Fact]
    public void A_normalize_module_makes_unit_vectors_and_its_absence_does_not()
    {
        var plain = Path.Combine(_folder, "plain");
        var normalized = Path.Combine(_folder, "normalized");
        TinyEncoderFactory.WriteFolder(plain, new TinyEncoderOptions { Normalize = false });
        TinyEncoderFactory.WriteFolder(normalized, new TinyEncoderOptions { Normalize = true });
        using var a = EncoderTestData.Load(plain);
        using var b = EncoderTestData.Load(normalized);
        Assert.True(b.Normalize);
        var raw = a.Encode(EncoderTestData.Texts);
        var unit = b.Encode(EncoderTestData.Texts);
        for (var i = 0; i < raw.Length; i++)
        {
            Assert.Equal(1.0, EncoderTestData.Norm(unit[i]), 5);
            Assert.NotEqual(1.0, EncoderTestData.Norm(raw[i]), 2);
            Assert.True(EncoderTestData.Cosine(raw[i], unit[i]) > 0.99999);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Both_pooling_config_formats_load_the_same_pooling(bool newFormat)
    {
        TinyEncoderFactory.WriteFolder(_folder, new TinyEncoderOptions { Pooling = [PoolingMode.Cls, PoolingMode.Max], NewPoolingFormat = newFormat });
        var text = File.ReadAllText(Path.Combine(_folder, "1_Pooling", "config.json"));
        Assert.Equal(newFormat, text.Contains("\"pooling_mode\"", StringComparison.Ordinal));
        using var encoder = EncoderTestData.Load(_folder);
        Assert.Equal([PoolingMode.Cls, PoolingMode.Max], encoder.Pooling.Modes);
        Assert.Equal(64, encoder.Dimension);
        Assert.Equal(64, encoder.Encode(["hello"])[0].Length);
    }

    [Fact]
    public void Without_modules_json_a_transformer_folder_gets_mean_pooling_without_normalisation()
    {
        TinyEncoderFactory.WriteFolder(_folder, new TinyEncoderOptions { Pooling = [PoolingMode.Cls], Normalize = true });
        File.Delete(Path.Combine(_folder, SentenceModules.FileName));
        using var encoder = EncoderTestData.Load(_folder);
        Assert.Equal([PoolingMode.Mean], encoder.Pooling.Modes);
        Assert.False(encoder.Normalize);
    }

    [Fact]
    public void A_dense_module_maps_the_pooled_embedding_through_its_linear_layer_and_tanh()
    {
        var withDense = Path.Combine(_folder, "dense");
        var withoutDense = Path.Combine(_folder, "plain");
        TinyEncoderFactory.WriteFolder(withDense, new TinyEncoderOptions { DenseOutFeatures = 12, Normalize = true });
        TinyEncoderFactory.WriteFolder(withoutDense, new TinyEncoderOptions { Normalize = false });
        Assert.Equal("3_Normalize", JsonNode.Parse(File.ReadAllText(Path.Combine(withDense, SentenceModules.FileName)))![3]!["path"]!.GetValue<string>());
        using var dense = EncoderTestData.Load(withDense);
        using var plain = EncoderTestData.Load(withoutDense);
        Assert.Equal(12, dense.Dimension);
        Assert.Single(dense.Dense);

        using var checkpoint = PrecisionAnalyzers.Runtime.Checkpoints.Checkpoint.Open(Path.Combine(withDense, "2_Dense"));
        using var w = checkpoint.Get("linear.weight", TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.CPU);
        using var b = checkpoint.Get("linear.bias", TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.CPU);
        var weight = w.data<float>().ToArray();
        var bias = b.data<float>().ToArray();
        var pooled = plain.Encode(EncoderTestData.Texts);
        var actual = dense.Encode(EncoderTestData.Texts);
        for (var i = 0; i < pooled.Length; i++)
        {
            var expected = new float[12];
            for (var o = 0; o < 12; o++)
            {
                var sum = (double)bias[o];
                for (var k = 0; k < 32; k++)
                {
                    sum += weight[o * 32 + k] * (double)pooled[i][k];
                }

                expected[o] = (float)Math.Tanh(sum);
            }

            var norm = Math.Sqrt(expected.Sum(v => v * (double)v));
            EncoderTestData.Close(expected.Select(v => (float)(v / norm)).ToArray(), actual[i], 1e-5);
        }
    }

    [Theory]
    [InlineData("activation_function", "\"torch.nn.modules.activation.Softmax\"", "is not supported")]
    [InlineData("in_features", "64", "linear.weight: expected [12, 64], found [12, 32]")]
    [InlineData("out_features", "-1", "out_features must be a positive integer")]
    public void A_bad_dense_module_is_explained(string key, string value, string fragment)
    {
        TinyEncoderFactory.WriteFolder(_folder, new TinyEncoderOptions { DenseOutFeatures = 12 });
        var path = Path.Combine(_folder, "2_Dense", "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config[key] = JsonNode.Parse(value);
        File.WriteAllText(path, config.ToJsonString());
        var error = Assert.ThrowsAny<Exception>(() => EncoderTestData.Load(_folder));
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_follows_the_planner_for_the_device()
    {
        TinyEncoderFactory.WriteFolder(_folder, new TinyEncoderOptions { Dtype = DType.Float16 });
        using var plain = EncoderTestData.Load(_folder, new LoadOptions { Dtype = DType.Auto }, EncoderTestData.PlainCpu);
        using var bf16 = EncoderTestData.Load(_folder, new LoadOptions(), EncoderTestData.Bf16Cpu);
        Assert.Equal(DType.Float32, plain.Dtype);
        Assert.Equal(DType.BFloat16, bf16.Dtype);
        Assert.Equal(DType.Float16, plain.Plan!.CheckpointDtype);
        Assert.Equal("cpu", plain.Device);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.BFloat16)]
    [InlineData(DType.Float16)]
    public void An_explicit_dtype_is_honoured(DType dtype)
    {
        TinyEncoderFactory.WriteFolder(_folder, new TinyEncoderOptions { Dtype = DType.BFloat16 });
        using var encoder = EncoderTestData.Load(_folder, new LoadOptions { Dtype = dtype }, EncoderTestData.Bf16Cpu);
        Assert.Equal(dtype, encoder.Dtype);
        Assert.All(encoder.Encode(["hello world"])[0], v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void A_missing_device_falls_back_with_a_warning_or_fails_when_strict()
    {
        TinyEncoderFactory.WriteFolder(_folder);
        using var encoder = EncoderTestData.Load(_folder, new LoadOptions { Dtype = DType.Float32, Device = "cuda:0" });
        Assert.Equal("cpu", encoder.Device);
        Assert.Contains(encoder.Warnings, w => w.Code == RuntimeCodes.DeviceNotUsable);

        var error = Assert.Throws<PrecisionException>(() => EncoderTestData.Load(_folder, new LoadOptions { Dtype = DType.Float32, Device = "cuda:0", Strict = true }));
        Assert.Equal(RuntimeCodes.DeviceNotUsable, error.Code);
        Assert.Contains("cuda:0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_read_are_reported()
    {
        TinyEncoderFactory.WriteFolder(_folder);
        var progress = new EncoderTestData.Recorder<PrecisionAnalyzers.Runtime.Checkpoints.CheckpointProgress>();
        using var encoder = SentenceEncoder.Load(_folder, new LoadOptions { Dtype = DType.Float32 }, null, progress, CancellationToken.None);
        Assert.NotEmpty(progress.Reports);
        Assert.Equal(progress.Reports[^1].TotalBytes, progress.Reports[^1].BytesRead);
    }

    [Fact]
    public void An_empty_folder_is_neither_kind()
    {
        var error = Assert.Throws<SentenceModelException>(() => EncoderTestData.Load(_folder));
        Assert.Contains("no modules.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("no config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_folder_says_so()
    {
        var error = Assert.Throws<SentenceModelException>(() => EncoderTestData.Load(Path.Combine(_folder, "nowhere")));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("os.system", "module type 'os.system' is not supported")]
    [InlineData("sentence_transformers.models.Dense", "the Dense module folder has no config.json")]
    public void Module_types_outside_the_whitelist_are_refused(string type, string fragment)
    {
        TinyEncoderFactory.WriteFolder(_folder);
        var modules = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, SentenceModules.FileName)))!.AsArray();
        modules.Insert(2, new JsonObject { ["idx"] = 9, ["name"] = "x", ["path"] = "2_X", ["type"] = type });
        File.WriteAllText(Path.Combine(_folder, SentenceModules.FileName), modules.ToJsonString());
        var error = Assert.Throws<SentenceModelException>(() => EncoderTestData.Load(_folder));
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}]""", "expected Transformer, Pooling")]
    [InlineData("""[{"type": "sentence_transformers.models.Transformer", "path": "../elsewhere"}, {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}]""", "leaves the model folder")]
    [InlineData("""{"modules": []}""", "JSON list")]
    [InlineData("""[{"path": ""}]""", "string \"type\"")]
    public void Malformed_modules_json_is_explained(string json, string fragment)
    {
        TinyEncoderFactory.WriteFolder(_folder);
        File.WriteAllText(Path.Combine(_folder, SentenceModules.FileName), json);
        var error = Assert.Throws<SentenceModelException>(() => EncoderTestData.Load(_folder));
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.Contains(SentenceModules.FileName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_weights_missing_vocabulary_and_a_wrong_pooling_width_are_explained()
    {
        TinyEncoderFactory.WriteFolder(_folder);
        File.WriteAllText(Path.Combine(_folder, "1_Pooling", "config.json"), """{"word_embedding_dimension": 768, "pooling_mode_mean_tokens": true}""");
        Assert.Contains("hidden_size is 32", Assert.Throws<SentenceModelException>(() => EncoderTestData.Load(_folder)).Message, StringComparison.Ordinal);

        TinyEncoderFactory.WriteFolder(_folder);
        File.Delete(Path.Combine(_folder, "vocab.txt"));
        Assert.Contains("neither a WordPiece vocabulary", Assert.Throws<SentenceModelException>(() => EncoderTestData.Load(_folder)).Message, StringComparison.Ordinal);

        TinyEncoderFactory.WriteFolder(_folder);
        File.Delete(Path.Combine(_folder, "model.safetensors"));
        Assert.Contains("has no weights", Assert.Throws<SentenceModelException>(() => EncoderTestData.Load(_folder)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_model_type_is_a_config_error()
    {
        TinyEncoderFactory.WriteFolder(_folder);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "config.json")))!.AsObject();
        config["model_type"] = "llama";
        File.WriteAllText(Path.Combine(_folder, "config.json"), config.ToJsonString());
        var error = Assert.Throws<PrecisionAnalyzers.Runtime.Configuration.ModelConfigException>(() => EncoderTestData.Load(_folder));
        Assert.Contains("bert", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_wordpiece_vocabulary_of_tokenizer_json_tokenizes_like_vocab_txt()
    {
        TinyEncoderFactory.WriteFolder(_folder);
        var fromVocab = WordPieceTextTokenizer.Load(_folder);
        var vocab = File.ReadAllLines(Path.Combine(_folder, "vocab.txt")).Where(l => l.Length > 0).ToArray();
        var json = new JsonObject
        {
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true, ["strip_accents"] = null, ["lowercase"] = true,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["model"] = new JsonObject { ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100, ["vocab"] = new JsonObject(vocab.Select((t, i) => KeyValuePair.Create(t, (JsonNode?)i))) },
        };
        File.Delete(Path.Combine(_folder, "vocab.txt"));
        File.WriteAllText(Path.Combine(_folder, "tokenizer.json"), json.ToJsonString());
        var fromJson = WordPieceTextTokenizer.Load(_folder);

        var text = "Hello World, the dog jumps!";
        var ids = fromVocab.Encode(text, 64, out var truncated);
        Assert.False(truncated);
        Assert.Equal(ids, fromJson.Encode(text, 64, out _));
        Assert.Equal(2, ids[0]);
        Assert.Equal(3, ids[^1]);
        Assert.Equal(Array.IndexOf(vocab, "hello"), ids[1]);
        Assert.Equal(Array.IndexOf(vocab, "jump"), ids[6]);
        Assert.Equal(Array.IndexOf(vocab, "##s"), ids[7]);
    }
}
