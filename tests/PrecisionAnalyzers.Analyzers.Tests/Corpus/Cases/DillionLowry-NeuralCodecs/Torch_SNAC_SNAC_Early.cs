// Reduced from https://github.com/DillionLowry/NeuralCodecs/blob/3c30ab7c108610f60a2f7325075b177a16c70f7f/NeuralCodecs.Torch/SNAC/SNAC.cs (licence: Apache-2.0).
// An early version of the SNAC loader: builds the codec from config.json in the method (no dtype), loads the published pytorch_model_24khz.bin with PyBridge (or a converted TorchSharp .dat), then moves it to the device; and a converter that loads the PyTorch weights, checks every parameter is FP32, saves them in TorchSharp format and loads that file back to verify.
using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Corpus.NeuralCodecs.SnacEarly;

public class SNACConfig
{
    public int SamplingRate { get; set; } = 24000;

    public int EncoderDim { get; set; } = 48;

    public int DecoderDim { get; set; } = 1024;

    public int CodebookSize { get; set; } = 4096;
}

public partial class SNAC : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> encoder;
    private readonly Module<Tensor, Tensor> decoder;

    public SNAC(int samplingRate, int encoderDim, int decoderDim, int codebookSize)
        : base(nameof(SNAC))
    {
        encoder = Conv1d(1, encoderDim, 7);
        decoder = Conv1d(decoderDim, 1, 7);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => decoder.forward(encoder.forward(x));
}

public partial class SNAC
{
    public static bool UsePyBridge { get; set; } = true;

    public static SNAC LoadModel(string path, Device? device = null)
    {
        device ??= torch.CPU;

        var configPath = Path.Combine(path, "config.json");
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"Config file not found at {configPath}");

        var config = LoadConfig(configPath);

        var model = new SNAC(
            samplingRate: config.SamplingRate,
            encoderDim: config.EncoderDim,
            decoderDim: config.DecoderDim,
            codebookSize: config.CodebookSize);

        if (UsePyBridge)
        {
            var modelPath = Path.Combine(@"T:\Models\SNAC", "pytorch_model_24khz.bin");
            if (!File.Exists(modelPath))
                throw new FileNotFoundException($"Model weights not found at {modelPath}");

            model.load_py(modelPath); //! PREC001 a PyTorch checkpoint into a module built here with no dtype; moving it to the device afterwards chooses no dtype
        }
        else
        {
            var modelPath = Path.Combine(path, "model_weights_24khz_wo.dat");
            model.load(modelPath); //~ PREC001 TorchSharp format converted by ConvertPyTorchToTorchSharp below (FP32 both ways; Module.load throws on a mismatch)
        }

        if (device != null && device.type != DeviceType.CPU)
        {
            model.to(device);
        }

        model.eval();
        return model;
    }

    public static void ConvertPyTorchToTorchSharp(string inputPath, string outputPath)
    {
        var configPath = Path.Combine(inputPath, "config.json");
        var config = LoadConfig(configPath);

        var model = new SNAC(
            samplingRate: config.SamplingRate,
            encoderDim: config.EncoderDim,
            decoderDim: config.DecoderDim,
            codebookSize: config.CodebookSize);

        var modelPath = Path.Combine(inputPath, "pytorch_model.bin");
        var loadedParams = new Dictionary<string, bool>();
        model.load_py(modelPath, strict: false, loadedParameters: loadedParams); //~ PREC001 the method checks right after the load that every parameter is FP32 (the format it converts to) and converts any that is not

        foreach (var (name, param) in model.named_parameters())
        {
            if (param.dtype != torch.float32)
            {
                Console.WriteLine($"Converting {name} from {param.dtype} to float32");
                using (torch.no_grad())
                {
                    param.copy_(param.to(torch.float32));
                }
            }
        }

        var outputDir = Path.GetDirectoryName(outputPath);
        if (!string.IsNullOrEmpty(outputDir) && !Directory.Exists(outputDir))
            Directory.CreateDirectory(outputDir);

        model.save(outputPath);

        var testModel = new SNAC(
            samplingRate: config.SamplingRate,
            encoderDim: config.EncoderDim,
            decoderDim: config.DecoderDim,
            codebookSize: config.CodebookSize);

        var verifyParams = new Dictionary<string, bool>();
        testModel.load(outputPath, loadedParameters: verifyParams); //~ PREC001 reloads what this method has just saved

        foreach (var (name, param) in testModel.named_parameters())
        {
            Console.WriteLine($"{name}: {string.Join(",", param.shape)} | {param.dtype}");
        }
    }

    private static SNACConfig LoadConfig(string path)
    {
        var json = File.ReadAllText(path);
        return System.Text.Json.JsonSerializer.Deserialize<SNACConfig>(json) ?? new SNACConfig();
    }
}
