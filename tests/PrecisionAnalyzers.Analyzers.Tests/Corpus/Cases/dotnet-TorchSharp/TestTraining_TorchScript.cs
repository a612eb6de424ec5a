// Reduced from https://github.com/dotnet/TorchSharp/blob/c20b6a1cc574d690707638a488d2583f3b8b983f/test/TorchSharpTest/TestTraining.cs (licence: MIT).
// TrainingLoadedTorchScript: loads a scripted model saved from Python and trains it with SGD; TrainingConv2d trains a Sequential built in the test with Adam.
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Corpus.TorchSharpRepo.Training;

public class TestTraining
{
    public void TrainingLoadedTorchScript()
    {
        var x = torch.randn(new long[] { 64, 1000 });
        var y = torch.randn(new long[] { 64, 10 });
        using var seq = torch.jit.load<Tensor, Tensor>(@"l1000_100_10.script.dat"); //~ PREC001 TorchScript keeps its saved dtype
        double learning_rate = 0.00004f;
        var optimizer = torch.optim.SGD(seq.parameters(), learning_rate);
        var loss = TrainLoop(seq, x, y, optimizer);
        seq.eval();
    }

    public void TrainingConv2d()
    {
        var conv1 = Conv2d(3, 4, 3, stride: 2);
        var lin1 = Linear(4 * 13 * 13, 32);
        var lin2 = Linear(32, 10);
        using var seq = Sequential(("conv1", conv1), ("r1", ReLU(inplace: true)), ("flat1", Flatten()), ("lin1", lin1), ("r2", ReLU(inplace: true)), ("lin2", lin2));
        var x = torch.randn(new long[] { 64, 3, 28, 28 });
        var y = torch.randn(new long[] { 64, 10 });
        using var optimizer = torch.optim.Adam(seq.parameters());
        TrainLoop(seq, x, y, optimizer);
    }

    private static float TrainLoop(IModule<Tensor, Tensor> seq, Tensor x, Tensor y, optim.Optimizer optimizer)
    {
        var loss = MSELoss(Reduction.Sum);
        float finalLoss = float.MaxValue;
        for (int i = 0; i < 10; i++)
        {
            using var eval = seq.call(x);
            using var output = loss.call(eval, y);
            finalLoss = output.ToSingle();
            optimizer.zero_grad();
            output.backward(); //~ PREC003 trains; no cache
            optimizer.step(); //~ PREC003 trains; no cache
        }

        return finalLoss;
    }
}
