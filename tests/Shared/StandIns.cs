namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>
/// Source stand-ins for packages the registry here does not hold, with the real metadata names and signatures' shape
/// (checked against the packages' published source). Appended to a test's source.
/// </summary>
internal static class StandIns
{
    /// <summary>Microsoft.ML.GenAI's model input: its constructor's <c>useCache</c> defaults to true, as in the real one.</summary>
    public const string GenAI = """


        namespace Microsoft.ML.GenAI.Core
        {
            public class CausalLMModelInput
            {
                public CausalLMModelInput(TorchSharp.torch.Tensor inputIds, TorchSharp.torch.Tensor? attentionMask = null, TorchSharp.torch.Tensor? positionIds = null, int pastKeyValuesLength = 0, TorchSharp.torch.Tensor? inputsEmbeds = null, TorchSharp.torch.Tensor? labels = null, bool useCache = true, bool outputAttentions = false, bool outputHiddenStates = false)
                {
                    InputIds = inputIds;
                    UseCache = useCache;
                }

                public TorchSharp.torch.Tensor InputIds { get; set; }

                public bool UseCache { get; set; }
            }
        }
        """;

    /// <summary>TorchSharp.PyBridge's loaders: extension methods that load weights into the module and return it.</summary>
    public const string PyBridge = """


        namespace TorchSharp.PyBridge
        {
            public static class PyBridgeModuleExtensions
            {
                public static T load_py<T>(this T module, string location, bool strict = true) where T : torch.nn.Module => module;
                public static T load_safetensors<T>(this T module, string location, bool strict = true) where T : torch.nn.Module => module;
                public static T load_checkpoint<T>(this T module, string path, string? checkpointName = null, bool strict = true) where T : torch.nn.Module => module;
                public static T save_py<T>(this T module, string location) where T : torch.nn.Module => module;
            }
        }
        """;

    /// <summary>A Microsoft.ML.GenAI model class: <c>FromPretrained</c>'s <c>torchDtype</c> defaults to BF16, as in the real ones.</summary>
    public const string GenAIPhi3 = """


        namespace Microsoft.ML.GenAI.Phi
        {
            public class Phi3ForCausalLM
            {
                public static Phi3ForCausalLM FromPretrained(string modelFolder, string configName = "config.json", TorchSharp.torch.ScalarType torchDtype = TorchSharp.torch.ScalarType.BFloat16, string device = "cpu") => new();
            }

            // The real class's name, misspelled as Microsoft.ML.GenAI spells it, and its real base type and FromPretrained.
            public class Phi3ForCasualLM : TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>
            {
                public Phi3ForCasualLM() : base(nameof(Phi3ForCasualLM)) { }
                public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor input) => input;
                public static Phi3ForCasualLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", TorchSharp.torch.ScalarType torchDtype = TorchSharp.torch.ScalarType.BFloat16, string device = "cpu") => new();
            }
        }
        """;
}
