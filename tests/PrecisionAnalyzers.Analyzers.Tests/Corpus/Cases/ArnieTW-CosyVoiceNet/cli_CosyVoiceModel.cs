// Reduced from https://github.com/ArnieTW/CosyVoiceNet/blob/37fac998197a14a68b3617a2a4ac437e1f2ef821/cli/CosyVoiceModel.cs (licence: Apache-2.0).
// CosyVoice text-to-speech in TorchSharp: the LLM, flow and HiFT modules come built from the YAML configuration (no dtype); Load reads CosyVoice's PyTorch .pt checkpoints with the project's own unpickler and load_state_dict; the flow alone is then moved to FP16 on CUDA when the fp16 flag is set (as CosyVoice's Python does), HiFT is fed FP32 on purpose.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.CosyVoiceNet.Cli;

public static class PtDirectLoader
{
    public static Dictionary<string, Tensor> LoadTensorsFromPt(string path) => new();
}

public sealed class GeneratorCheckpointWrapper : nn.Module
{
    private readonly nn.Module generator;

    public GeneratorCheckpointWrapper(nn.Module generator)
        : base(nameof(GeneratorCheckpointWrapper))
    {
        this.generator = generator;
        RegisterComponents();
    }
}

public class CosyVoiceModel : IDisposable
{
    public nn.Module Llm;
    public nn.Module Flow;
    public nn.Module Hift;
    public bool Fp16;

    public CosyVoiceModel(nn.Module llm, nn.Module flow, nn.Module hift, bool fp16 = false, string device = "cuda")
    {
        Llm = llm ?? throw new ArgumentNullException(nameof(llm));
        Flow = flow ?? throw new ArgumentNullException(nameof(flow));
        Hift = hift ?? throw new ArgumentNullException(nameof(hift));
        Fp16 = fp16;
        LlmDevice = FlowDevice = HiftDevice = device;
    }

    public string LlmDevice { get; private set; }

    public string FlowDevice { get; private set; }

    public string HiftDevice { get; private set; }

    public void Load(string llmModel, string flowModel, string hiftModel)
    {
        if (!string.IsNullOrWhiteSpace(llmModel))
        {
            LoadModuleWeights(Llm, llmModel, "LLM"); //! PREC001 CosyVoice's PyTorch checkpoint into an LLM built with no dtype and never converted: the fp16 flag that halves it in CosyVoice's Python is ignored here
            Llm.to(torch.device(LlmDevice));
            Llm.eval();
        }

        if (!string.IsNullOrWhiteSpace(flowModel))
        {
            LoadModuleWeights(Flow, flowModel, "Flow"); //~ PREC001 the flow's dtype is chosen right after the load (MoveFlowToConfiguredDevice: .to(Float16 or Float32))
            MoveFlowToConfiguredDevice();
            Flow.eval();
        }

        if (!string.IsNullOrWhiteSpace(hiftModel))
        {
            LoadHiftWeights(Hift, hiftModel); //~ PREC001 HiFT is kept in FP32 on purpose (its input is cast to Float32 by ToHiftMel), as in CosyVoice's Python
            Hift.to(torch.device(HiftDevice));
            Hift.eval();
        }
    }

    private void MoveFlowToConfiguredDevice()
    {
        if (Flow is null)
            return;

        Flow.to(torch.device(FlowDevice));
        Flow.to(UseFlowFp16 ? ScalarType.Float16 : ScalarType.Float32); //~ PREC002 CosyVoice's flow-matching decoder (about 100M parameters), FP16 only on CUDA and only when the caller asks for it
    }

    protected bool UseFlowFp16 => Fp16 && FlowDevice == "cuda";

    protected Tensor ToFlowFloat(Tensor tensor)
    {
        tensor = tensor.to(FlowDevice);
        return UseFlowFp16 ? tensor.to(ScalarType.Float16) : tensor; //~ PREC002 an input tensor cast to the flow's dtype, not a model
    }

    protected Tensor ToHiftMel(Tensor tensor)
    {
        return tensor.to(ScalarType.Float32).to(HiftDevice);
    }

    private static void LoadModuleWeights(nn.Module module, string modelPath, string label, ISet<string>? allowedMissingKeys = null)
    {
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"{label} checkpoint not found.", modelPath);

        var stateDict = PtDirectLoader.LoadTensorsFromPt(modelPath);
        var moduleStateDict = module.state_dict();
        var shapeMismatches = stateDict
            .Where(kv => moduleStateDict.TryGetValue(kv.Key, out var target) && !target.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => kv.Key)
            .ToArray();
        if (shapeMismatches.Length != 0)
            throw new InvalidOperationException($"{label} checkpoint shape mismatch. {string.Join("; ", shapeMismatches)}");

        IList<string> missingKeys;
        IList<string> unexpectedKeys;
        try
        {
            (missingKeys, unexpectedKeys) = module.load_state_dict(stateDict, strict: true); //~ PREC001 the module is the caller's; judged at the calls in Load
        }
        catch (InvalidOperationException)
        {
            (missingKeys, unexpectedKeys) = module.load_state_dict(stateDict, strict: false); //~ PREC001 the module is the caller's; judged at the calls in Load
        }

        var missingNotAllowed = missingKeys.Where(key => allowedMissingKeys == null || !allowedMissingKeys.Contains(key)).ToArray();
        if (missingNotAllowed.Length != 0 || unexpectedKeys.Count != 0)
        {
            throw new InvalidOperationException($"{label} checkpoint key mismatch.");
        }
    }

    private static void LoadHiftWeights(nn.Module hift, string modelPath)
    {
        var allowedMissing = new HashSet<string>(StringComparer.Ordinal) { "_stftWindow", "m_source._uv" };
        try
        {
            LoadModuleWeights(hift, modelPath, "HiFT", allowedMissing); //~ PREC001 the module is the caller's; judged at the call in Load
        }
        catch (Exception directLoadError)
        {
            try
            {
                using var wrapper = new GeneratorCheckpointWrapper(hift);
                LoadModuleWeights(wrapper, modelPath, "HiFT", new HashSet<string>(allowedMissing.Select(key => "generator." + key), StringComparer.Ordinal)); //~ PREC001 the same HiFT checkpoint through a key-prefix wrapper; judged at the call in Load
            }
            catch (Exception wrapperLoadError)
            {
                throw new InvalidOperationException($"Failed to load HiFT checkpoint: {directLoadError.Message}; {wrapperLoadError.Message}", wrapperLoadError);
            }
        }
    }

    public void Dispose()
    {
        Llm?.Dispose();
        Flow?.Dispose();
        Hift?.Dispose();
    }
}
