// Reduced from https://github.com/IntptrMax/SamSharp/blob/f9795abb2001949c0f63c6cf18922865337a615a/SamSharpDemo/Program.cs (licence: Apache-2.0).
// The console demo: picks CUDA and FP32 in locals and builds a SAM predictor from MobileSAM's checkpoint; the WinForms demo (SamSharp_WinFormDemo/MainForm.cs) parses the dtype from a combo box ("Float16", "Float32", "BFloat16").
using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.SamSharp.Demo;

public enum SamDevice
{
    CPU = 0,
    CUDA = 1,
}

public enum SamScalarType
{
    Float16 = 5,
    Float32 = 6,
    BFloat16 = 15,
}

public class SamPredictor : IDisposable
{
    private readonly nn.Module model;

    public SamPredictor(string checkpointPath, SamDevice device = SamDevice.CPU, SamScalarType dtype = SamScalarType.Float32)
    {
        model = nn.Linear(2, 2).to(new Device((DeviceType)device), (ScalarType)dtype);
    }

    public void Dispose() => model.Dispose();
}

internal class Program
{
    static void Main()
    {
        string checkpointPath = @"..\..\..\Assets\Weights\MobileSam.pt";
        SamDevice device = SamDevice.CUDA;
        SamScalarType dtype = SamScalarType.Float32;
        using var predictor = new SamPredictor(checkpointPath, device, dtype); //~ PREC001 the dtype is passed, FP32
    }

    static void LoadFromForm(string checkpointPath, string comboText)
    {
        SamScalarType dtype = (SamScalarType)Enum.Parse(typeof(SamScalarType), comboText); //~ PREC002 whatever checkpoint the user picks; SAM is at most 636M parameters
        using var predictor = new SamPredictor(checkpointPath, SamDevice.CUDA, dtype);
    }
}
