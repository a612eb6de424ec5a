// Reduced from https://github.com/dotnet/machinelearning/blob/c8ab578c994a637563f6f0fa3254a6518207fb87/docs/samples/Microsoft.ML.GenAI.Samples/Phi3Mini/Utils.cs (licence: MIT).
// The first GenAI sample's helper: loads Phi-3-mini-4k (3.8B) with FromPretrained and torchDtype from a local set to FP16, then spreads its layers over GPU, CPU and disk. Phi3ForCasualLM (so spelled then) is reduced from src/Microsoft.ML.GenAI.Phi/Phi3/Phi3ForCasualLM.cs at that commit.
using System;
using System.Collections.Generic;
using Microsoft.ML.GenAI.Core;
using Microsoft.ML.GenAI.Phi;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.Phi3Utils2024;

public class Phi3ForCasualLM : nn.Module<CausalLMModelInput, CausalLMModelOutput>
{
    public Phi3ForCasualLM(Phi3Config config)
        : base(nameof(Phi3ForCasualLM))
    {
    }

    public override CausalLMModelOutput forward(CausalLMModelInput input) => throw new NotSupportedException();

    public static Phi3ForCasualLM FromPretrained(string modelFolder, string configName = "config.json", string checkPointName = "model.safetensors.index.json", ScalarType torchDtype = ScalarType.BFloat16, string device = "cpu") => new(new Phi3Config { DType = torchDtype });

    public Dictionary<string, string> InferDeviceMapForEachLayer(string[] devices, Dictionary<string, long> deviceSizeMapInByte) => new();

    public Phi3ForCasualLM ToDynamicLoadingModel(Dictionary<string, string> deviceMap, string targetDevice) => this;
}

internal static class Utils
{
    public static CausalLMPipeline<LlamaTokenizer, Phi3ForCasualLM> LoadPhi3Mini4KFromFolder(
        string weightFolder,
        string device = "cuda",
        int modelSizeOnCudaInGB = 16,
        int modelSizeOnMemoryInGB = 64,
        int modelSizeOnDiskInGB = 200)
    {
        var defaultType = ScalarType.Float16;
        var timer = System.Diagnostics.Stopwatch.StartNew();
        var model = Phi3ForCasualLM.FromPretrained(weightFolder, device: device, torchDtype: defaultType, checkPointName: "model.safetensors.index.json"); //! PREC002 FP16 on Phi-3-mini, 3.8B parameters //~ PREC001 torchDtype is given
        var tokenizer = Phi3TokenizerHelper.FromPretrained(weightFolder); //~ PREC001 a tokenizer
        var deviceSizeMap = new Dictionary<string, long>
        {
            ["cuda:0"] = modelSizeOnCudaInGB * 1024L * 1024 * 1024,
            ["cpu"] = modelSizeOnMemoryInGB * 1024L * 1024 * 1024,
            ["disk"] = modelSizeOnDiskInGB * 1024L * 1024 * 1024,
        };
        var deviceMap = model.InferDeviceMapForEachLayer(devices: ["cuda:0", "cpu", "disk"], deviceSizeMapInByte: deviceSizeMap);
        model = model.ToDynamicLoadingModel(deviceMap, "cuda:0");
        var pipeline = new CausalLMPipeline<LlamaTokenizer, Phi3ForCasualLM>(tokenizer, model, device);
        timer.Stop();
        Console.WriteLine($"Phi3 loaded in {timer.ElapsedMilliseconds / 1000} s");
        return pipeline;
    }
}
