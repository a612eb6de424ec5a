// Reduced from https://github.com/shaltielshmid/TorchSharp.PyBridge/blob/059476b6110566352b1b255feb3d5ac79bac981a/TorchSharp.PyBridge.Tests/TestLoadSaveOptimizers.cs (licence: MIT).
// PyBridge's optimizer tests: an optimizer trained one step is saved with save_py and its state loaded into a fresh one; SGD and ASGD load state saved by PyTorch; a Linear module's weights are never loaded.
using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Corpus.PyBridge.Optimizers;

public class TestLoadSaveOptimizers
{
    private static void TestSaveOptim<T>(Func<IEnumerable<TorchSharp.Modules.Parameter>, T> func, bool withLoss = false)
        where T : TorchSharp.Modules.OptimizerHelper
    {
        var seq = nn.Sequential(nn.Linear(10, 10), nn.Linear(10, 10));
        var optimizer = func(seq.parameters());
        if (withLoss)
        {
            using var d = torch.NewDisposeScope();
            optimizer.zero_grad();
            var x = torch.randn(new[] { 64L, 10L });
            var y = torch.randn(new[] { 64L, 10L });
            torch.nn.functional.mse_loss(seq.call(x), y).backward(); //~ PREC003 one step to create the optimizer's buffers; no cache
            optimizer.step(); //~ PREC003 one step; no cache
        }

        using var ms = new MemoryStream();
        optimizer.save_py(ms, leaveOpen: true);
        ms.Position = 0;
        var optim2 = func(seq.parameters());
        optim2.load_py(ms, leaveOpen: true); //~ PREC001 an optimizer's state, saved by this method
    }

    public void TestSaveAdadeltaWithLoss() => TestSaveOptim(p => torch.optim.Adadelta(p), true);

    public void TestLoadSGD()
    {
        var lin = torch.nn.Linear(10, 10);
        double learning_rate = 0.00004f;
        var optimizer = torch.optim.SGD(lin.parameters(), learning_rate);
        optimizer.load_py("pickled_optimizers/sgd_load.pth"); //~ PREC001 an optimizer's state, not a module's weights
        var sd = optimizer.state_dict();
        _ = sd.Options.Count;
    }

    public void TestLoadASGD()
    {
        var lin = torch.nn.Linear(10, 10);
        double learning_rate = 0.004f;
        var optimizer = torch.optim.ASGD(lin.parameters(), learning_rate);
        optimizer.load_py("pickled_optimizers/asgd_load.pth"); //~ PREC001 an optimizer's state, not a module's weights
        var sd = optimizer.state_dict();
        _ = sd.State.Count;
    }
}
