// Reduced from https://github.com/shaltielshmid/TorchSharp.PyBridge/blob/059476b6110566352b1b255feb3d5ac79bac981a/TorchSharp.PyBridge.Tests/TestLoadSaveModules.cs (licence: MIT).
// PyBridge's module tests: Sequential models built in the test load a .pth saved by torch.save and a .safetensors saved by safetensors in Python; a BatchNorm2d saved with save_py to a stream is loaded into a fresh one.
using System.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch.nn;

namespace Corpus.PyBridge.Tests;

public class TestLoadSaveModules
{
    public void TestPythonModuleLoad()
    {
        var model = Sequential(("lin1", Linear(5, 1, hasBias: false)), ("lin2", Linear(1, 2, hasBias: false)));
        model.load_py("pickled_modules/module_load.pth"); //! PREC001
        var res = model.forward(torch.tensor(new[] { 1, 1, 1, 1, 1 }).@float());
        _ = res[0].ToSingle();
    }

    public void TestSafetensorsModuleLoad()
    {
        var model = Sequential(("lin1", Linear(5, 2, hasBias: false)), ("lin2", Linear(2, 2, hasBias: false)));
        model.load_safetensors("pickled_modules/module_load.safetensors"); //! PREC001
        var res = model.forward(torch.tensor(new[] { 11, 11, 11, 11, 11 }).@float());
        _ = res[0].ToSingle();
    }

    public void TestLoadBatchNorm2D_Bug13()
    {
        var model = BatchNorm2d(5);
        for (int i = 0; i < 5; i++)
        {
            using var d = torch.NewDisposeScope();
            model.forward(torch.rand(new[] { 5L, 5L, 5L, 5L }));
        }

        using var stream = new MemoryStream();
        model.save_py(stream, leaveOpen: true);
        stream.Position = 0;
        var model2 = BatchNorm2d(5);
        model2.load_py(stream); //~ PREC001 reloads what this method saved with save_py
    }
}
