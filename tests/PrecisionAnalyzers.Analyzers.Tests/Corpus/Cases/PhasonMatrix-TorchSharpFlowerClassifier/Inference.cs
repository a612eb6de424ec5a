// Reduced from https://github.com/PhasonMatrix/TorchSharpFlowerClassifier/blob/ce089e3c41ccb4f8a35b4a1d16a1296d733ba324/src/TorchSharpFlowerClassifier/Inference.cs (licence: MIT).
// Rebuilds the flower classifier, moves it to the device and loads the weights the app's own training saved (Module.save), for inference.
using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.FlowerClassifier.Inference;

public class ClassifierModel : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> classifier;

    public ClassifierModel(int numClasses)
        : base(nameof(ClassifierModel))
    {
        classifier = nn.Sequential(nn.Conv2d(3, 32, 3, padding: 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, numClasses));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => classifier.forward(x);
}

public class Inference
{
    public static string ModelWeightsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "weights");

    private ClassifierModel? _model;

    public Inference(string modelFileName, Device device)
    {
        LoadModel(modelFileName, device);
    }

    public long Classify(Tensor imageTensor)
    {
        using var _ = torch.no_grad();
        return _model!.forward(imageTensor).argmax(1).ToInt64();
    }

    private void LoadModel(string modelFileName, Device device)
    {
        string modelPath = Path.Combine(ModelWeightsDirectory, modelFileName);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"Model file not found: {modelPath}");
        }

        _model = new ClassifierModel(5);
        _model.to(device);
        _model.load(modelPath); //~ PREC001 the weights this app's Training saved with Module.save (FP32 both ways; Module.load throws on a mismatch)
        _model.eval();
    }
}
