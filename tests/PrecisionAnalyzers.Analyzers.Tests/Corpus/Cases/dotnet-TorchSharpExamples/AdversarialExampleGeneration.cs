// Reduced from https://github.com/dotnet/TorchSharpExamples/blob/32e047a6d7bc3ea00bb02963128c317260f6d210/src/CSharp/CSharpExamples/AdversarialExampleGeneration.cs (licence: MIT).
// FGSM attacks on the MNIST model: trains it first if MNIST.cs has not saved it yet, else reloads the saved model with Module.load, then differentiates the loss with respect to the input images.
using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Corpus.TorchSharpExamples.Adversarial;

public class MnistModel : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> fc = Linear(784, 10);

    public MnistModel(string name, Device device)
        : base(name)
    {
        RegisterComponents();
        this.to(device);
    }

    public override Tensor forward(Tensor input) => functional.log_softmax(fc.forward(input.flatten(1)), 1);
}

public static class AdversarialExampleGeneration
{
    internal static void Run(string dataset, Device device, IEnumerable<(Tensor, Tensor)> test)
    {
        MnistModel model;
        var modelFile = dataset + ".model.bin";
        if (!File.Exists(modelFile))
        {
            model = new MnistModel("model", device);
            var optimizer = optim.Adam(model.parameters());
            model.save(modelFile);
        }
        else
        {
            model = new MnistModel("model", torch.CPU);
            model.load(modelFile); //~ PREC001 reloads the model the MNIST example saved with Module.save (FP32 both ways)
        }

        model.to(device);
        model.eval();
        foreach (var ε in new double[] { 0, 0.05, 0.1 })
        {
            Console.WriteLine(Test(model, NLLLoss(), ε, test));
        }
    }

    private static double Test(MnistModel model, Loss<Tensor, Tensor, Tensor> criterion, double ε, IEnumerable<(Tensor, Tensor)> dataLoader)
    {
        int correct = 0;
        foreach (var (data, target) in dataLoader)
        {
            using (var d = torch.NewDisposeScope())
            {
                data.requires_grad = true;
                using var output = model.forward(data);
                using var loss = criterion.forward(output, target);
                model.zero_grad();
                loss.backward(); //~ PREC003 gradients of the input for the attack; no cache
                var perturbed = (data + ε * data.grad!.sign()).clamp(0.0, 1.0);
                using var final = model.forward(perturbed);
                correct += final.argmax(1).eq(target).sum().ToInt32();
            }
        }

        return correct;
    }
}
