// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/src/Microsoft.ML.GenAI.Phi/Phi3/Phi3ForCausalLM.cs (licence: MIT).
// GenAI's own Phi-3 loader: FromPretrained takes ScalarType torchDtype = BFloat16, sets it on the config the layers are built from, loads the sharded safetensors checkpoint into the module, and moves it to the device.
using System;
using System.IO;
using System.Text.Json;
using Microsoft.ML.GenAI.Core;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Phi3Loader;

public class Phi3Config
{
    public int HiddenSize { get; set; } = 3072;

    public int VocabSize { get; set; } = 32064;

    public ScalarType DType { get; set; } = ScalarType.BFloat16;
}

public class Phi3ForCausalLM : nn.Module<CausalLMModelInput, CausalLMModelOutput>
{
    private readonly TorchSharp.Modules.Linear lm_head;

    public Phi3ForCausalLM(Phi3Config config)
        : base(nameof(Phi3ForCausalLM))
    {
        this.lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, dtype: config.DType);
        this.RegisterComponents();
    }

    public override CausalLMModelOutput forward(CausalLMModelInput input) => new(input.InputIds, this.lm_head.forward(input.InputIds));

    public static Phi3ForCausalLM FromPretrained(
        string modelFolder,
        string configName = "config.json",
        string checkPointName = "model.safetensors.index.json",
        ScalarType torchDtype = ScalarType.BFloat16,
        string device = "cpu")
    {
        var config = Path.Join(modelFolder, configName);
        var modelConfig = JsonSerializer.Deserialize<Phi3Config>(File.ReadAllText(config)) ?? throw new ArgumentNullException(nameof(config));
        modelConfig.DType = torchDtype;
        var phi = new Phi3ForCausalLM(modelConfig);
        phi.LoadSafeTensors(modelFolder, checkPointName); //~ PREC001 the config's dtype is set in this method before the module is built
        phi = phi.to(device);
        phi.eval();

        return phi;
    }

    public static Phi3ForCausalLM FromPretrained(
        string modelFolder,
        string configName = "config.json",
        string checkPointName = "model.safetensors.index.json",
        bool quantizeToInt8 = false,
        bool quantizeToInt4 = false,
        int layersOnTargetDevice = -1,
        ScalarType torchDtype = ScalarType.BFloat16,
        string targetDevice = "cuda")
    {
        if (layersOnTargetDevice == -1 && quantizeToInt4 == false && quantizeToInt8 == false)
        {
            return FromPretrained(modelFolder, configName, checkPointName, torchDtype, targetDevice); //~ PREC001 passes its torchDtype on
        }

        var originalDefaultDevice = torch.get_default_device();
        torch.set_default_device("meta");
        var config = Path.Join(modelFolder, configName);
        var modelConfig = JsonSerializer.Deserialize<Phi3Config>(File.ReadAllText(config)) ?? throw new ArgumentNullException(nameof(config));
        modelConfig.DType = torchDtype;
        var model = new Phi3ForCausalLM(modelConfig);
        var deviceMap = model.InferDeviceMapForEachLayer([System.Collections.Generic.KeyValuePair.Create(targetDevice, layersOnTargetDevice), System.Collections.Generic.KeyValuePair.Create("cpu", -1)]);
        torch.set_default_device("cpu");
        model = new Phi3ForCausalLM(modelConfig);
        model.LoadSafeTensors(modelFolder, checkPointName); //~ PREC001 the config's dtype is set in this method before the module is built
        model = model.ToDynamicLoadingModel(deviceMap, targetDevice);
        torch.set_default_device(originalDefaultDevice);
        return model;
    }

    public void LoadSafeTensors(string modelFolder, string checkPointName = "model.safetensors.index.json")
    {
        this.load_checkpoint(path: modelFolder, checkpointName: checkPointName, strict: false, useTqdm: false); //~ PREC001 the module is this one, built from a config whose dtype its callers set
    }
}
