// Reduced from https://github.com/dongfangzhizhu/LamaCleaner_TorchSharp/blob/0ac1afa9a6a6558f9ba90378c0b0dc619be01f5d/LamaCleaner_TorchSharp/Models/LaMa.cs (licence: MIT).
// Inpainting with big-lama: the TorchScript model beside the assembly is loaded onto the device and run in eval mode on normalised image and mask tensors.
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.LamaCleaner.Models;

public class LaMa
{
    private jit.ScriptModule<Tensor, Tensor, Tensor>? model;

    public void InitModel(Device device)
    {
        string assemblyDirectory = Path.GetDirectoryName(typeof(LaMa).Assembly.Location) ?? ".";
        string modelfilefullPath = Path.Combine(assemblyDirectory, "big-lama.pt");
        model = jit.load<Tensor, Tensor, Tensor>(modelfilefullPath, device); //~ PREC001 TorchScript keeps the dtype it was saved with
        model.eval();
    }

    public Tensor Forward(Tensor imageTensor, Tensor maskTensor)
    {
        using var binaryMask = maskTensor.gt(0).to(ScalarType.Float32); //~ PREC002 a mask tensor converted to FP32
        return model!.call(imageTensor, binaryMask);
    }
}
