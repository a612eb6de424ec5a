// Reduced from https://github.com/PhasonMatrix/TorchSharpFlowerClassifier/blob/ce089e3c41ccb4f8a35b4a1d16a1296d733ba324/src/TorchSharpFlowerClassifier/Training.cs (licence: MIT).
// Trains a small CNN flower classifier from scratch (Adam, no cache anywhere) and saves it with Module.save into the folder the app's inference reads.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.FlowerClassifier.Training;

public class ClassifierModel : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> features;
    private readonly nn.Module<Tensor, Tensor> classifier;

    public ClassifierModel(int numClasses)
        : base(nameof(ClassifierModel))
    {
        features = nn.Sequential(nn.Conv2d(3, 32, 3, padding: 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten());
        classifier = nn.Linear(32, numClasses);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => classifier.forward(features.forward(x));
}

public class Training
{
    public static string ModelWeightsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "weights");

    private readonly int _epochs = 10;

    public void Train(IReadOnlyList<(Tensor image, Tensor label)> dataLoader, int classCount, Device device, string modelSavePath)
    {
        int trainSize = (int)(dataLoader.Count * 0.8);
        IEnumerable<(Tensor image, Tensor label)> trainSamples = dataLoader.Take(trainSize);

        var model = new ClassifierModel(numClasses: classCount);
        model.to(device);

        var lossFn = torch.nn.CrossEntropyLoss();
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.0002, weight_decay: 1e-5);

        for (int epoch = 0; epoch < _epochs; epoch++)
        {
            model.train(); //~ PREC003 trains; no generation cache anywhere

            foreach (var (X, y) in trainSamples)
            {
                var yPred = model.forward(X.to(device));
                var loss = lossFn.forward(yPred, y.to(device));

                optimizer.zero_grad();
                loss.backward(); //~ PREC003 trains; no generation cache anywhere
                optimizer.step(); //~ PREC003 trains; no generation cache anywhere

                loss.Dispose();
            }
        }

        model.save(modelSavePath);
    }
}
