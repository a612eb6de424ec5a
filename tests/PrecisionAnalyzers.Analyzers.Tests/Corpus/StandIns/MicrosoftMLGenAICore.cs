// Stand-in for Microsoft.ML.GenAI.Core, signatures and parameter defaults as published in
// https://github.com/dotnet/machinelearning/tree/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/src/Microsoft.ML.GenAI.Core (MIT).
// Bodies are trivial. Compiled with every corpus case, never into the test project.
namespace Microsoft.ML.GenAI.Core
{
    using System.Collections.Generic;
    using Microsoft.ML.Tokenizers;
    using TorchSharp;
    using static TorchSharp.torch;

    public class CausalLMModelInput
    {
        public CausalLMModelInput(
            Tensor inputIds,
            Tensor? attentionMask = null,
            Tensor? positionIds = null,
            int pastKeyValuesLength = 0,
            Tensor? inputsEmbeds = null,
            Tensor? labels = null,
            bool useCache = true,
            bool outputAttentions = false,
            bool outputHiddenStates = false)
        {
            InputIds = inputIds;
            AttentionMask = attentionMask;
            Labels = labels;
            UseCache = useCache;
        }

        public Tensor InputIds { get; set; }

        public Tensor? AttentionMask { get; set; }

        public int PastKeyValuesLength { get; set; }

        public Tensor? Labels { get; set; }

        public bool UseCache { get; set; }

        public bool OutputAttentions { get; set; }

        public bool OutputHiddenStates { get; set; }
    }

    public class CausalLMModelOutput
    {
        public CausalLMModelOutput(Tensor lastHiddenState, Tensor? logits = null, Tensor? loss = null)
        {
            LastHiddenState = lastHiddenState;
            Logits = logits;
            Loss = loss;
        }

        public Tensor LastHiddenState { get; set; }

        public Tensor? Logits { get; set; }

        public Tensor? Loss { get; set; }
    }

    public interface ICausalLMPipeline
    {
        Tokenizer Tokenizer { get; }

        nn.Module<CausalLMModelInput, CausalLMModelOutput> Model { get; }

        string Generate(string prompt, int maxLen = 128, float temperature = 0.7F, float topP = 0.9F, string[]? stopSequences = null);

        float[] GenerateEmbeddingFromLastTokenPool(string prompt);
    }

    public interface ICausalLMPipeline<out TTokenizer, out TModel> : ICausalLMPipeline
        where TTokenizer : Tokenizer
        where TModel : nn.Module<CausalLMModelInput, CausalLMModelOutput>
    {
        TTokenizer TypedTokenizer { get; }

        TModel TypedModel { get; }
    }

    public class CausalLMPipeline : ICausalLMPipeline
    {
        public CausalLMPipeline(Tokenizer tokenizer, nn.Module<CausalLMModelInput, CausalLMModelOutput> model, string device = "cpu")
        {
            Tokenizer = tokenizer;
            Model = model;
        }

        public Tokenizer Tokenizer { get; }

        public nn.Module<CausalLMModelInput, CausalLMModelOutput> Model { get; }

        public virtual string Generate(string prompt, int maxLen = 128, float temperature = 0.7F, float topP = 0.9F, string[]? stopSequences = null) => string.Empty;

        public float[] GenerateEmbeddingFromLastTokenPool(string prompt) => [];
    }

    public class CausalLMPipeline<TTokenizer, TModel> : CausalLMPipeline, ICausalLMPipeline<TTokenizer, TModel>
        where TTokenizer : Tokenizer
        where TModel : nn.Module<CausalLMModelInput, CausalLMModelOutput>
    {
        public CausalLMPipeline(TTokenizer tokenizer, TModel model, string device = "cpu")
            : base(tokenizer, model, device)
        {
        }

        public TTokenizer TypedTokenizer => (TTokenizer)Tokenizer;

        public TModel TypedModel => (TModel)Model;
    }

    public static class ModuleExtension
    {
        public static void ToInt8QuantizeModule<T>(this T model) where T : nn.Module
        {
        }

        public static T ToDynamicLoadingModel<T>(this T model, Dictionary<string, string> deviceMap, string targetDevice) where T : nn.Module => model;

        public static Dictionary<string, string> InferDeviceMapForEachLayer(this nn.Module model, IEnumerable<KeyValuePair<string, int>> numberOfLayerToBePlaced) => new();
    }
}

namespace Microsoft.ML.GenAI.Core.Trainer
{
    using System.Collections.Generic;
    using System.Threading;
    using Microsoft.Extensions.Logging;

    public class CausalLMDataset : List<Microsoft.ML.GenAI.Core.CausalLMModelInput>
    {
    }

    public class CausalLMSupervisedFineTuningTrainer
    {
        public CausalLMSupervisedFineTuningTrainer(Microsoft.ML.GenAI.Core.ICausalLMPipeline pipeline, ILogger<CausalLMSupervisedFineTuningTrainer>? logger = null)
        {
        }

        public async IAsyncEnumerable<Microsoft.ML.GenAI.Core.ICausalLMPipeline> TrainAsync(CausalLMDataset trainDataset, Option trainingOption, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await System.Threading.Tasks.Task.Yield();
            yield break;
        }

        public class Option
        {
            public int Epoch { get; set; } = 10;

            public int BatchSize { get; set; } = 1;

            public float LearningRate { get; set; } = 5e-5f;

            public string Device { get; set; } = "cpu";
        }
    }
}
