// Reduced from https://github.com/IntptrMax/YoloSharp/blob/16dc3cda2aceec06f2aa82d60ca34b8941b6dc80/YoloSharpDemo/Program.cs (licence: Apache-2.0).
// Configures a YOLOv8n-obb task in FP32 through the Config object, loads pre-trained weights and trains it; the task's LoadModel (reduced from YoloSharp/Models/YoloBaseTaskModel.cs) reads a state dict, casts the model to the checkpoint's dtype, loads it, then converts the model to config.Dtype.
using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.YoloSharp.Demo;

public enum YoloScalarType
{
    Float16 = 5,
    Float32 = 6,
    BFloat16 = 15,
}

public class Config
{
    public YoloScalarType ScalarType { get; set; } = YoloScalarType.Float16;

    public int Epochs { get; set; } = 100;

    public ScalarType Dtype => (ScalarType)ScalarType;
}

public static class Lib
{
    public static Dictionary<string, Tensor> LoadModel(string path, bool skipNcNotEqualLayers) => new();
}

public class YoloTask
{
    private readonly Config config;
    private readonly nn.Module<Tensor, Tensor> yolo;

    public YoloTask(Config config)
    {
        this.config = config;
        yolo = nn.Sequential(nn.Conv2d(3, 16, 3, stride: 2), nn.SiLU(), nn.Conv2d(16, 32, 3, stride: 2));
    }

    internal void LoadModel(string path, bool skipNcNotEqualLayers = false)
    {
        Dictionary<string, Tensor> state_dict = Lib.LoadModel(path, skipNcNotEqualLayers); //~ PREC001 reads tensors; the module is cast to their dtype below
        if (state_dict.Count != yolo.state_dict().Count)
        {
            Console.WriteLine("Mismatched tensors count while loading. Model will run with random weight.");
        }
        else
        {
            ScalarType modelType = state_dict.Values.First().dtype;
            yolo.to(modelType);
            var (miss, err) = yolo.load_state_dict(state_dict, strict: false); //~ PREC001 cast to the checkpoint's dtype before, converted to config.Dtype after
            yolo.to(config.Dtype); //~ PREC002 YOLOv8n has 3M parameters
        }
    }

    public void Train()
    {
        var optimizer = torch.optim.AdamW(yolo.parameters(), lr: 1e-4);
        for (int epoch = 1; epoch <= config.Epochs; epoch++)
        {
            yolo.train(); //~ PREC003 trains; no cache
            using var loss = yolo.forward(torch.rand(1, 3, 64, 64)).sum();
            optimizer.zero_grad();
            loss.backward(); //~ PREC003 trains; no cache
            optimizer.step(); //~ PREC003 trains; no cache
        }
    }
}

internal class Program
{
    static void Main()
    {
        string preTrainedModelPath = @"..\..\..\Assets\PreTrainedModels\yolov8n-obb.bin";
        Config config = new Config
        {
            ScalarType = YoloScalarType.Float32,
            Epochs = 100,
        };
        YoloTask yoloTask = new YoloTask(config);
        yoloTask.LoadModel(preTrainedModelPath, skipNcNotEqualLayers: true); //~ PREC001 the task converts to config.Dtype, set to FP32 here
        yoloTask.Train(); //~ PREC003 trains; no cache
    }
}
