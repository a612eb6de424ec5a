// Reduced from https://github.com/PhasonMatrix/TorchSharpFlowerClassifier/blob/ce089e3c41ccb4f8a35b4a1d16a1296d733ba324/src/TorchSharpFlowerClassifier/Inference.cs (licence: MIT).
// Builds the flower classifier, moves it to the device, and loads the weights Training.cs saved with Module.save before classifying images.
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.FlowerClassifier.Inference;

public class ClassifierModel : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> layers;

    public ClassifierModel(int numClasses)
        : base(nameof(ClassifierModel))
    {
        layers = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, numClasses));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => layers.call(input);
}

public class Inference
{
    private ClassifierModel? _model;

    public static string ModelWeightsDirectory { get; } = "weights";

    public void LoadModel(string modelFileName, Device device)
    {
        string modelPath = Path.Combine(ModelWeightsDirectory, modelFileName);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"Model file not found: {modelPath}");
        }

        _model = new ClassifierModel(5);
        _model.to(device);
        _model.load(modelPath); //~ PREC001 reloads what the program's training saved with Module.save (FP32 both ways)
        _model.eval();
    }
}
