// Stand-ins for Microsoft.ML.GenAI.Phi, .LLaMA and .Mistral, signatures and parameter defaults as published in
// https://github.com/dotnet/machinelearning/tree/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/src (MIT): both FromPretrained
// overloads of each model, with torchDtype defaulting to BFloat16 (Phi2: Float32). Bodies are trivial.
// Compiled with every corpus case, never into the test project.
namespace Microsoft.ML.GenAI.Phi
{
    using Microsoft.ML.GenAI.Core;
    using Microsoft.ML.Tokenizers;
    using TorchSharp;
    using static TorchSharp.torch;

    public class Phi3Config
    {
        public static Phi3Config Phi3Mini4kInstruct { get; } = new();

        public static Phi3Config Phi3Medium4kInstruct { get; } = new();

        public ScalarType DType { get; set; } = ScalarType.BFloat16;
    }

    public class Phi3ForCausalLM : nn.Module<CausalLMModelInput, CausalLMModelOutput>
    {
        public Phi3ForCausalLM(Phi3Config config)
            : base(nameof(Phi3ForCausalLM))
        {
        }

        public override CausalLMModelOutput forward(CausalLMModelInput input) => throw null!;

        public static Phi3ForCausalLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", ScalarType torchDtype = ScalarType.BFloat16, string device = "cpu") => throw null!;

        public static Phi3ForCausalLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", bool quantizeToInt8 = false, bool quantizeToInt4 = false, int layersOnTargetDevice = -1, ScalarType torchDtype = ScalarType.BFloat16, string targetDevice = "cuda") => throw null!;

        public void LoadSafeTensors(string modelFolder, string checkPointName = "model.safetensors.index.json")
        {
        }
    }

    public class Phi2Config
    {
        public ScalarType Dtype { get; set; } = ScalarType.Float32;
    }

    public class Phi2ForCausalLM : nn.Module<CausalLMModelInput, CausalLMModelOutput>
    {
        public Phi2ForCausalLM(Phi2Config config)
            : base(nameof(Phi2ForCausalLM))
        {
        }

        public override CausalLMModelOutput forward(CausalLMModelInput input) => throw null!;

        public static Phi2ForCausalLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", ScalarType torchDtype = ScalarType.Float32, bool useTqdm = false, string? device = null) => throw null!;
    }

    public static class Phi3TokenizerHelper
    {
        public static LlamaTokenizer FromPretrained(string modelPath, string systemSymbol = "<|system|>", string userSymbol = "<|user|>", string assistantSymbol = "<|assistant|>", string endSymbol = "<|end|>") => throw null!;
    }
}

namespace Microsoft.ML.GenAI.LLaMA
{
    using Microsoft.ML.GenAI.Core;
    using Microsoft.ML.Tokenizers;
    using TorchSharp;
    using static TorchSharp.torch;

    public class LlamaConfig
    {
        public static LlamaConfig Llama3_1_8B_Instruct { get; } = new();

        public static LlamaConfig Llama3_2_1B_Instruct { get; } = new();

        public ScalarType DType { get; set; } = ScalarType.BFloat16;
    }

    public class LlamaForCausalLM : nn.Module<CausalLMModelInput, CausalLMModelOutput>
    {
        public LlamaForCausalLM(LlamaConfig config, string? device = null)
            : base(nameof(LlamaForCausalLM))
        {
        }

        public override CausalLMModelOutput forward(CausalLMModelInput input) => throw null!;

        public static LlamaForCausalLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", ScalarType torchDtype = ScalarType.BFloat16, string device = "cpu") => throw null!;

        public static LlamaForCausalLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", bool quantizeToInt8 = false, bool quantizeToInt4 = false, int layersOnTargetDevice = -1, ScalarType torchDtype = ScalarType.BFloat16, string targetDevice = "cuda") => throw null!;

        public void LoadSafeTensors(string modelFolder, string checkPointName = "model.safetensors.index.json")
        {
        }
    }

    public static class LlamaTokenizerHelper
    {
        public static TiktokenTokenizer FromPretrained(string modelWeightFolder, string modelFile = "tokenizer.model") => throw null!;
    }
}

namespace Microsoft.ML.GenAI.Mistral
{
    using Microsoft.ML.GenAI.Core;
    using Microsoft.ML.Tokenizers;
    using TorchSharp;
    using static TorchSharp.torch;

    public class MistralConfig
    {
        public static MistralConfig Mistral_7B_Instruct_v0_3 { get; } = new();

        public ScalarType DType { get; set; } = ScalarType.BFloat16;
    }

    public class MistralModel : nn.Module<CausalLMModelInput, CausalLMModelOutput>
    {
        public MistralModel(MistralConfig config)
            : base(nameof(MistralModel))
        {
        }

        public override CausalLMModelOutput forward(CausalLMModelInput input) => throw null!;
    }

    public class MistralForCausalLM : nn.Module<CausalLMModelInput, CausalLMModelOutput>
    {
        public MistralForCausalLM(MistralConfig config)
            : base(nameof(MistralForCausalLM))
        {
        }

        public override CausalLMModelOutput forward(CausalLMModelInput input) => throw null!;

        public static MistralForCausalLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", ScalarType torchDtype = ScalarType.BFloat16, string device = "cpu") => throw null!;

        public static MistralForCausalLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", bool quantizeToInt8 = false, bool quantizeToInt4 = false, int layersOnTargetDevice = -1, ScalarType torchDtype = ScalarType.BFloat16, string targetDevice = "cuda") => throw null!;
    }

    public static class MistralTokenizerHelper
    {
        public static LlamaTokenizer FromPretrained(string modelWeightFolder, string modelName = "tokenizer.model.v3", string unknownSymbol = "<unk>", int unknownSymbolId = 0) => throw null!;
    }
}
