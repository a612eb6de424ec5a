// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/src/Microsoft.ML.GenAI.Phi/Phi2/Phi2ForCausalLM.cs (licence: MIT).
// GenAI's Phi-2 loader: FromPretrained's torchDtype defaults to FP32; it is set on the config, the model is built from it, the sharded checkpoint is loaded through PyBridge's load_checkpoint, and the model moves to the device.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Microsoft.ML.GenAI.Core;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Phi2Loader;

public class Phi2Config
{
    public int HiddenSize { get; set; } = 2560;

    public int VocabSize { get; set; } = 51200;

    public ScalarType Dtype { get; set; } = ScalarType.Float32;
}

public class Phi2ForCausalLM : nn.Module<CausalLMModelInput, CausalLMModelOutput>
{
    private readonly TorchSharp.Modules.Linear lm_head;

    public Phi2ForCausalLM(Phi2Config config)
        : base(nameof(Phi2ForCausalLM))
    {
        this.lm_head = nn.Linear(config.HiddenSize, config.VocabSize, dtype: config.Dtype);
        this.RegisterComponents();
    }

    public override CausalLMModelOutput forward(CausalLMModelInput input) => new(input.InputIds, this.lm_head.forward(input.InputIds));

    public static Phi2ForCausalLM FromPretrained(
        string modelFolder,
        string configName = "config.json",
        string checkPointName = "model.safetensors.index.json",
        ScalarType torchDtype = ScalarType.Float32,
        bool useTqdm = false,
        string? device = null)
    {
        var config = Path.Join(modelFolder, configName);
        var modelConfig = JsonSerializer.Deserialize<Phi2Config>(File.ReadAllText(config)) ?? throw new ArgumentNullException(nameof(config));
        modelConfig.Dtype = torchDtype;
        var wrapper = new Phi2ForCausalLM(modelConfig);
        var loadedParameters = new Dictionary<string, bool>();
        wrapper.load_checkpoint(path: modelFolder, checkpointName: checkPointName, strict: true, loadedParameters: loadedParameters, useTqdm: useTqdm); //~ PREC001 the config's dtype is set in this method before the module is built
        wrapper = wrapper.to(device);
        wrapper.eval();
        return wrapper;
    }
}
