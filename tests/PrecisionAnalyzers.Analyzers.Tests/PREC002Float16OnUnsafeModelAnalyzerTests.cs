using VerifyCS = PrecisionAnalyzers.Analyzers.Tests.Verify<PrecisionAnalyzers.Analyzers.Rules.PREC002Float16OnUnsafeModelAnalyzer>;

namespace PrecisionAnalyzers.Analyzers.Tests;

public sealed class PREC002Float16OnUnsafeModelAnalyzerTests
{
    private static string Load(string path, string dtype = "DType.Float16") =>
        $$"""class C { void M() { using var m = CausalLM.Load("{{path}}", new LoadOptions { Dtype = {{dtype}} }); } }""";

    [Theory]
    [InlineData("google/gemma-2-9b", "gemma2")]
    [InlineData("models/gemma-3-1b-it", "gemma3")]
    [InlineData("/data/gemma-7b", "gemma")]
    public Task FP16_on_a_Gemma_model_is_flagged_at_the_dtype(string path, string family) => VerifyCS.AnalyzeAsync(
        Load(path, "{|#0:DType.Float16|}"),
        VerifyCS.Diagnostic().WithArguments($"'{path.Split('/')[^1]}'", $"belongs to the {family} family, whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Theory]
    [InlineData("meta-llama/Llama-3.1-8B", "8")]
    [InlineData("mistralai/Mixtral-8x7B-v0.1", "56")]
    [InlineData("Qwen/Qwen2-1.5B", "1.5")]
    public Task FP16_on_a_large_model_is_flagged(string path, string billions) => VerifyCS.AnalyzeAsync(
        Load(path, "{|#0:DType.Float16|}"),
        VerifyCS.Diagnostic().WithArguments($"'{path.Split('/')[^1]}'", $"has about {billions}B parameters (at least the 1B threshold), where activations outgrow FP16's range"));

    [Fact]
    public Task A_runtime_load_from_a_path_the_code_does_not_show_takes_the_model_editorconfig_names() => VerifyCS.AnalyzeAsync(
        """class C { void M(string path) { using var m = CausalLM.Load(path, new LoadOptions { Dtype = {|#0:DType.Float16|} }); } }""",
        "precision_analyzers.model_family = Gemma-3",
        VerifyCS.Diagnostic().WithArguments("the model these files load", "belongs to the gemma3 family (precision_analyzers.model_family in .editorconfig), whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Fact]
    public Task A_DType_held_in_a_local_is_followed_to_its_initializer() => VerifyCS.AnalyzeAsync(
        """class C { void M() { var dtype = {|#1:DType.Float16|}; using var m = CausalLM.Load("google/gemma-2-9b", new LoadOptions { Dtype = {|#0:dtype|} }); } }""",
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult(RuleDescriptors.Float16OnUnsafeModel).WithLocation(0).WithLocation(1).WithArguments("'gemma-2-9b'", "belongs to the gemma2 family, whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Fact]
    public Task A_load_through_an_alias_is_flagged() => VerifyCS.AnalyzeFileAsync(
        "using PrecisionAnalyzers.Runtime;\nusing LM = PrecisionAnalyzers.Runtime.CausalLM;\n"
        + """class C { void M() { using var m = LM.Load("google/gemma-2-9b", new LoadOptions { Dtype = {|#0:DType.Float16|} }); } }""",
        editorconfig: null,
        VerifyCS.Diagnostic().WithArguments("'gemma-2-9b'", "belongs to the gemma2 family, whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Theory]
    [InlineData("Qwen/Qwen2-0.5B")]
    [InlineData("HuggingFaceTB/SmolLM2-360M")]
    [InlineData("models/my-model")]
    public Task FP16_on_a_small_or_unknown_model_is_not_flagged(string path) => VerifyCS.AnalyzeAsync(Load(path));

    [Fact]
    public Task BF16_on_Gemma_is_not_flagged() => VerifyCS.AnalyzeAsync(Load("google/gemma-2-9b", "DType.BFloat16"));

    [Fact]
    public Task A_path_that_is_not_a_constant_is_not_flagged() => VerifyCS.AnalyzeAsync(
        """class C { void M(string path) { using var m = CausalLM.Load(path, new LoadOptions { Dtype = DType.Float16 }); } }""");

    [Fact]
    public Task The_threshold_comes_from_editorconfig() => VerifyCS.AnalyzeAsync(
        Load("Qwen/Qwen2-0.5B", "{|#0:DType.Float16|}"),
        "precision_analyzers.large_model_threshold = 400M",
        VerifyCS.Diagnostic().WithArguments("'Qwen2-0.5B'", "has about 0.5B parameters (at least the 0.4B threshold), where activations outgrow FP16's range"));

    [Fact]
    public Task Users_add_FP16_unsafe_families_in_editorconfig() => VerifyCS.AnalyzeAsync(
        Load("acme/phoenix-small", "{|#0:DType.Float16|}"),
        "precision_analyzers.fp16_unsafe_families = phoenix, other",
        VerifyCS.Diagnostic().WithArguments("'phoenix-small'", "belongs to the phoenix family, whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Fact]
    public Task A_Float16_set_on_a_local_before_the_call_is_found() => VerifyCS.AnalyzeAsync(
        """
        class C
        {
            void M()
            {
                var options = new LoadOptions();
                options = options with { Dtype = {|#1:DType.Float16|} };
                using var m = CausalLM.Load("google/gemma-2-2b", {|#0:options|});
            }
        }
        """,
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult(RuleDescriptors.Float16OnUnsafeModel).WithLocation(0).WithLocation(1).WithArguments("'gemma-2-2b'", "belongs to the gemma2 family, whose hidden states overflow FP16's 65504 and turn into NaN"));
}

/// <summary>PREC002 with the model's facts from a <c>config.json</c> given as an AdditionalFile, matched by folder.</summary>
public sealed class PREC002ConfigJsonTests
{
    public const string Gemma3Config = """
        {
          "architectures": ["Gemma3ForConditionalGeneration"],
          "model_type": "gemma3",
          "text_config": { "model_type": "gemma3_text", "hidden_size": 2560, "num_hidden_layers": 34, "intermediate_size": 10240,
                           "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256, "vocab_size": 262208 },
          "torch_dtype": "bfloat16"
        }
        """;

    public const string Llama8BConfig = """
        {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "intermediate_size": 14336, "num_attention_heads": 32,
         "num_key_value_heads": 8, "vocab_size": 128256, "tie_word_embeddings": false, "rope_scaling": {"factor": 8.0, "rope_type": "llama3"},
         "eos_token_id": [128001, 128008], "bos_token_id": null, "name": "Llama \"3.1\" \u00e9 8B", "rms_norm_eps": 1e-05}
        """;

    public const string Qwen05BConfig = """
        {"model_type":"qwen2","hidden_size":896,"num_hidden_layers":24,"intermediate_size":4864,"num_attention_heads":14,"num_key_value_heads":2,"vocab_size":151936,"tie_word_embeddings":true}
        """;

    public const string TinyLlamaConfig = """{"model_type":"llama","hidden_size":256,"num_hidden_layers":2,"intermediate_size":512,"num_attention_heads":4,"vocab_size":1000}""";

    private const string Gemma3Why = "belongs to the gemma3 family (model_type in its config.json), whose hidden states overflow FP16's 65504 and turn into NaN";

    private static string Load(string path, string dtype = "DType.Float16") =>
        Verify<Rules.PREC002Float16OnUnsafeModelAnalyzer>.Usings
        + $$"""class C { void M() { using var m = CausalLM.Load("{{path}}", new LoadOptions { Dtype = {{dtype}} }); } }""";

    private static Task Analyze(string file, (string, string)[] files, string? editorconfig = null, string? globalconfig = null, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected) =>
        Verify<Rules.PREC002Float16OnUnsafeModelAnalyzer>.AnalyzeWithFilesAsync(file, editorconfig, globalconfig, files, expected);

    private static Microsoft.CodeAnalysis.Testing.DiagnosticResult Diagnostic(string name, string why) =>
        Verify<Rules.PREC002Float16OnUnsafeModelAnalyzer>.Diagnostic().WithArguments($"'{name}'", why);

    [Fact]
    public Task The_config_of_the_folder_names_the_family_the_path_does_not() => Analyze(
        Load("models/custom", "{|#0:DType.Float16|}"), [("models/custom/config.json", Gemma3Config)], expected: Diagnostic("custom", Gemma3Why));

    [Fact]
    public Task The_text_model_type_of_a_multimodal_config_counts() => Analyze(
        Load("models/custom", "{|#0:DType.Float16|}"),
        [("models/custom/config.json", """{"model_type": "acme_vlm", "text_config": {"model_type": "gemma3_text"}}""")],
        expected: Diagnostic("custom", "belongs to the gemma3_text family (model_type in its config.json), whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Fact]
    public Task A_config_for_another_folder_is_not_used() => Analyze(
        Load("models/custom"), [("models/other/config.json", Gemma3Config), ("custom/weights/config.json", Gemma3Config)]);

    [Fact]
    public Task BF16_is_not_flagged_whatever_the_config_says() => Analyze(
        Load("models/custom", "DType.BFloat16"), [("models/custom/config.json", Gemma3Config)]);

    [Theory]
    [InlineData("""{ "model_type": "gemma3" """)]
    [InlineData("""{ "model_type": gemma3 }""")]
    [InlineData("""{ "model_type": "gemma3", }""")]
    [InlineData("""["gemma3"]""")]
    [InlineData("""{"model_type": "gemma3"} trailing""")]
    [InlineData("""{"model_type": "gem\q"}""")]
    [InlineData("")]
    [InlineData("not json at all")]
    public Task A_malformed_config_means_unknown(string config) => Analyze(
        Load("models/custom"), [("models/custom/config.json", config)]);

    [Fact]
    public Task A_config_nested_too_deep_means_unknown() => Analyze(
        Load("models/custom"), [("models/custom/config.json", "{\"model_type\": \"gemma3\", \"x\": " + new string('[', 5000) + new string(']', 5000) + "}")]);

    [Fact]
    public Task A_malformed_config_leaves_the_name_to_decide() => Analyze(
        Load("google/gemma-2-9b", "{|#0:DType.Float16|}"),
        [("google/gemma-2-9b/config.json", "{ oops")],
        expected: Diagnostic("gemma-2-9b", "belongs to the gemma2 family, whose hidden states overflow FP16's 65504 and turn into NaN"));

    [Fact]
    public Task The_config_wins_over_the_name() => Analyze(
        Load("google/gemma-2b"), [("google/gemma-2b/config.json", TinyLlamaConfig)]);

    [Fact]
    public Task The_size_comes_from_the_config() => Analyze(
        Load("models/custom", "{|#0:DType.Float16|}"),
        [("models/custom/config.json", Llama8BConfig)],
        expected: Diagnostic("custom", "has about 8B parameters by its config.json (at least the 1B threshold), where activations outgrow FP16's range"));

    [Fact]
    public Task A_small_model_by_its_config_is_not_flagged() => Analyze(
        Load("models/custom"), [("models/custom/config.json", Qwen05BConfig)]);

    [Fact]
    public Task The_editorconfig_threshold_applies_to_the_config_size() => Analyze(
        Load("models/custom", "{|#0:DType.Float16|}"),
        [("models/custom/config.json", Qwen05BConfig)],
        "precision_analyzers.large_model_threshold = 400M",
        expected: Diagnostic("custom", "has about 0.5B parameters by its config.json (at least the 0.4B threshold), where activations outgrow FP16's range"));

    [Fact]
    public Task A_relative_path_resolves_against_the_project_directory_first() => Analyze(
        Load("models/custom", "{|#0:DType.Float16|}"),
        [("src/app/models/custom/config.json", Gemma3Config), ("elsewhere/models/custom/config.json", TinyLlamaConfig)],
        globalconfig: "build_property.projectdir = /src/app/\n",
        expected: Diagnostic("custom", Gemma3Why));

    [Fact]
    public Task Without_the_project_directory_two_matching_configs_are_ambiguous() => Analyze(
        Load("models/custom"), [("src/app/models/custom/config.json", Gemma3Config), ("elsewhere/models/custom/config.json", TinyLlamaConfig)]);

    [Fact]
    public Task Dot_segments_are_resolved() => Analyze(
        Load("./models/../models/custom/", "{|#0:DType.Float16|}"), [("models/custom/config.json", Gemma3Config)], expected: Diagnostic("custom", Gemma3Why));

    [Fact]
    public Task A_rooted_path_must_match_in_full() => Analyze(
        Load("/data/models/custom"), [("models/custom/config.json", Gemma3Config)]);

    [Fact]
    public Task A_rooted_path_finds_its_own_config() => Analyze(
        Load("/data/models/custom", "{|#0:DType.Float16|}"), [("data/models/custom/config.json", Gemma3Config)], expected: Diagnostic("custom", Gemma3Why));

    [Fact]
    public Task A_path_to_a_weights_file_finds_the_config_of_its_folder() => Analyze(
        Load("models/custom/model.safetensors", "{|#0:DType.Float16|}"), [("models/custom/config.json", Gemma3Config)], expected: Diagnostic("custom", Gemma3Why));

    [Fact]
    public Task A_path_held_in_a_local_finds_the_config() => Analyze(
        Verify<Rules.PREC002Float16OnUnsafeModelAnalyzer>.Usings + """
        class C { void M() { var folder = "models/custom"; using var m = CausalLM.Load(folder, new LoadOptions { Dtype = {|#0:DType.Float16|} }); } }
        """,
        [("models/custom/config.json", Gemma3Config)],
        expected: Diagnostic("custom", Gemma3Why));
}

/// <summary>The parameter estimate and the reader behind it, against published configs' sizes.</summary>
public sealed class ModelConfigFactsTests
{
    private const string Gemma2BConfig = """{"model_type":"gemma","hidden_size":2048,"num_hidden_layers":18,"intermediate_size":16384,"num_attention_heads":8,"num_key_value_heads":1,"head_dim":256,"vocab_size":256000}""";

    private const string Mixtral8x7BConfig = """{"model_type":"mixtral","hidden_size":4096,"num_hidden_layers":32,"intermediate_size":14336,"num_attention_heads":32,"num_key_value_heads":8,"vocab_size":32000,"num_local_experts":8,"tie_word_embeddings":false}""";

    [Theory]
    [InlineData(Gemma2BConfig, 2.4e9, 2.6e9)] // Gemma 2B: 2.51B
    [InlineData(PREC002ConfigJsonTests.Llama8BConfig, 7.9e9, 8.1e9)] // Llama 3.1 8B: 8.03B
    [InlineData(Mixtral8x7BConfig, 46e9, 47.5e9)] // Mixtral 8x7B: 46.7B
    [InlineData(PREC002ConfigJsonTests.Qwen05BConfig, 0.45e9, 0.52e9)] // Qwen2 0.5B: 0.49B
    public void The_estimate_is_close_to_the_published_count(string config, double low, double high)
    {
        var facts = ModelConfigFacts.From(ConfigJson.ParseObject(config)!);

        Assert.InRange(facts.Parameters!.Value, low, high);
    }

    [Fact]
    public void A_config_without_sizes_has_no_estimate()
    {
        var facts = ModelConfigFacts.From(ConfigJson.ParseObject("""{"model_type": "gemma3", "hidden_size": "big"}""")!);

        Assert.Null(facts.Parameters);
        Assert.Equal(["gemma3"], facts.ModelTypes);
    }

    [Fact]
    public void Strings_and_numbers_are_read_as_JSON_defines_them()
    {
        var json = ConfigJson.ParseObject("""{"a": "x\"y\\z\u00e9\n", "b": -1.5e2, "c": [true, false, null], "d": {}}""")!;

        Assert.Equal("x\"y\\z\u00e9\n", json["a"]);
        Assert.Equal(-150.0, json["b"]);
        Assert.Equal(new object?[] { true, false, null }, (List<object?>)json["c"]!);
        Assert.Empty((Dictionary<string, object?>)json["d"]!);
    }

    [Fact]
    public void The_analyzer_knows_the_FP16_unsafe_model_types_the_runtime_lists() =>
        Assert.Equal(PrecisionAnalyzers.Runtime.Configuration.ModelFamilies.Float16UnsafeModelTypes.Keys.Order(), ModelHint.DefaultUnsafeFamilies.Order());
}
