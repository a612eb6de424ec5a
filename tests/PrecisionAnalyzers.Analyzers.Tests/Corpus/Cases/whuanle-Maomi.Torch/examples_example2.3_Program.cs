// Reduced from https://github.com/whuanle/Maomi.Torch/blob/116fbda87f1c4a950bc1bd5882e95932fe3b03e3/examples/example2.3/Program.cs (licence: MIT).
// Trains an MNIST MLP (Adam), then loads weights an earlier run of this program saved (the save line is commented out) into the same FP32 model before inference.
using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MaomiTorch.Example23;

public class MLP : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> fc1 = nn.Linear(28 * 28, 500);
    private readonly nn.Module<Tensor, Tensor> fc2 = nn.Linear(500, 10);

    public MLP()
        : base(nameof(MLP))
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(nn.functional.relu(fc1.forward(x)));
}

public static class Program
{
    public static void Main()
    {
        Device defaultDevice = torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        torch.set_default_device(defaultDevice);
        var train_loader = new[] { (images: torch.rand(100, 1, 28, 28), labels: torch.randint(0, 10, new long[] { 100 })) };

        var model = new MLP();
        model.to(defaultDevice);
        var criterion = nn.CrossEntropyLoss();
        var optimizer = optim.Adam(model.parameters(), lr: 0.001);

        foreach (var epoch in Enumerable.Range(0, 10))
        {
            model.train(); //~ PREC003 trains; no generation cache anywhere
            foreach (var (images, labels) in train_loader)
            {
                var outputs = model.call(images.reshape(-1, 28 * 28));
                var loss = criterion.call(outputs, labels);
                optimizer.zero_grad();
                loss.backward(); //~ PREC003 trains; no generation cache anywhere
                optimizer.step(); //~ PREC003 trains; no generation cache anywhere
            }

            model.eval();
        }

        //model.save("mnist_mlp_model.dat");
        model.load("mnist_mlp_model.dat"); //~ PREC001 this program's own earlier save (TorchSharp format, FP32 both ways; Module.load throws on a mismatch)

        model.eval();
        var image = torch.rand(1, 28 * 28).to(defaultDevice);
        Console.WriteLine(model.call(image).argmax(1).ToInt64());
    }
}
