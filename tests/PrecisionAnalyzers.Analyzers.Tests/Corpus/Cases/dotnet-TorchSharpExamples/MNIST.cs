// Reduced from https://github.com/dotnet/TorchSharpExamples/blob/32e047a6d7bc3ea00bb02963128c317260f6d210/src/CSharp/CSharpExamples/MNIST.cs (licence: MIT).
// Trains the MNIST convolutional model with Adam and a step scheduler, one train() / backward() / step() loop per epoch, then saves it with Module.save.
using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Corpus.TorchSharpExamples.Mnist;

public class Model : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1 = Conv2d(1, 32, 3);
    private readonly Module<Tensor, Tensor> fc = Linear(21632, 10);

    public Model(string name, Device? device = null)
        : base(name)
    {
        RegisterComponents();
        if (device != null && device.type != DeviceType.CPU)
        {
            this.to(device);
        }
    }

    public override Tensor forward(Tensor input) => functional.log_softmax(fc.forward(conv1.forward(input).flatten(1)), 1);
}

public static class MNIST
{
    private static int _epochs = 4;

    internal static void TrainingLoop(string dataset, Device device, Module<Tensor, Tensor> model, IEnumerable<(Tensor, Tensor)> train)
    {
        var optimizer = optim.Adam(model.parameters());
        var scheduler = optim.lr_scheduler.StepLR(optimizer, 1, 0.7);
        for (var epoch = 1; epoch <= _epochs; epoch++)
        {
            Train(model, optimizer, NLLLoss(reduction: Reduction.Mean), train);
            scheduler.step(); //~ PREC003 a scheduler's step; no cache
        }

        model.save(dataset + ".model.bin");
    }

    private static void Train(Module<Tensor, Tensor> model, optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> loss, IEnumerable<(Tensor, Tensor)> dataLoader)
    {
        model.train(); //~ PREC003 trains; no generation cache
        foreach (var (data, target) in dataLoader)
        {
            using (var d = torch.NewDisposeScope())
            {
                optimizer.zero_grad();
                var prediction = model.forward(data);
                var output = loss.forward(prediction, target);
                output.backward(); //~ PREC003 trains; no cache
                optimizer.step(); //~ PREC003 trains; no cache
                Console.WriteLine(output.ToSingle());
            }
        }
    }
}
