// Reduced from https://github.com/whuanle/Maomi.Torch/blob/116fbda87f1c4a950bc1bd5882e95932fe3b03e3/examples/example2.2/Program.cs (licence: MIT).
// Trains a small FashionMNIST classifier (SGD, no cache anywhere), saves it with Module.save and loads the same file back before inference.
using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.MaomiTorch.Example22;

public class NeuralNetwork : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> linear_relu_stack = nn.Sequential(nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 10));

    public NeuralNetwork()
        : base(nameof(NeuralNetwork))
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => linear_relu_stack.forward(x.flatten(1));
}

public static class Program
{
    public static void Main()
    {
        Device defaultDevice = torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        torch.set_default_device(defaultDevice);

        var train_loader = new[] { (x: torch.rand(64, 1, 28, 28), y: torch.randint(0, 10, new long[] { 64 })) };

        var model = new NeuralNetwork();
        model.to(defaultDevice);

        var loss_fn = nn.CrossEntropyLoss();
        var optimizer = torch.optim.SGD(model.parameters(), learningRate: 1e-3);

        foreach (var epoch in Enumerable.Range(0, 5))
        {
            Train(train_loader, model, loss_fn, optimizer);
        }

        model.save("model.dat");
        Console.WriteLine("Saved PyTorch Model State to model.dat");

        model.load("model.dat"); //~ PREC001 reloads what this method has just saved (FP32 both ways)

        model.eval();
        using (torch.no_grad())
        {
            var pred = model.call(torch.rand(1, 1, 28, 28).to(defaultDevice));
            Console.WriteLine(pred.argmax(1).ToInt64());
        }
    }

    static void Train((Tensor x, Tensor y)[] dataloader, NeuralNetwork model, CrossEntropyLoss loss_fn, SGD optimizer)
    {
        model.train(); //~ PREC003 trains; no generation cache anywhere

        foreach (var (x, y) in dataloader)
        {
            var pred = model.call(x);
            var loss = loss_fn.call(pred, y);
            loss.backward(); //~ PREC003 trains; no generation cache anywhere
            optimizer.step(); //~ PREC003 trains; no generation cache anywhere
            optimizer.zero_grad();
        }
    }
}
