// Reduced from https://github.com/PhasonMatrix/TorchSharpFlowerClassifier/blob/ce089e3c41ccb4f8a35b4a1d16a1296d733ba324/src/TorchSharpFlowerClassifier/Training.cs (licence: MIT).
// Trains the flower classifier with Adam (train(), backward(), step() per batch), evaluates it, and saves it with Module.save.
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.FlowerClassifier.Training;

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

public class Training
{
    public void TrainAndSaveModel(IEnumerable<(Tensor X, Tensor Y)> batches, int classCount, string modelFileName, Device device, int epochs = 10)
    {
        string modelSavePath = Path.Combine("weights", modelFileName);
        var model = new ClassifierModel(numClasses: classCount);
        model.to(device);
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.001);
        var lossFunction = nn.CrossEntropyLoss();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.train(); //~ PREC003 trains; no cache
            foreach (var (X, y) in batches)
            {
                var yPred = model.forward(X);
                var loss = lossFunction.forward(yPred, y);
                optimizer.zero_grad();
                loss.backward(); //~ PREC003 trains; no cache
                optimizer.step(); //~ PREC003 trains; no cache
            }

            model.eval();
        }

        model.save(modelSavePath);
    }
}
