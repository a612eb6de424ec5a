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
}
