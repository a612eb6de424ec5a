// Reduced from https://github.com/IntptrMax/StableDiffusionSharp/blob/174669f2e449a2b59f9759500a24c5c009d3338d/StableDiffusionDemo_Console/Program.cs (licence: Apache-2.0).
// Runs an SDXL checkpoint (realDream_sdxlPony15 with the SDXL VAE) in FP16 on CUDA for text-to-image and image-to-image, then upscales with Real-ESRGAN x4plus in the same FP16. The model types are reduced from StableDiffusionSharp/Modules (SDModel.cs, Esrgan.cs): their parts are built with the dtype given to the constructor.
using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.StableDiffusionSharp.Demo;

public enum SDDeviceType
{
    CPU = 0,
    CUDA = 1,
}

public enum SDScalarType
{
    Float16 = 5,
    Float32 = 6,
    BFloat16 = 15,
}

public static class ModelLoader
{
    public static nn.Module LoadModel(this nn.Module module, string fileName, string maybeAddHeaderInBlock = "") => module;
}

public class StableDiffusion : IDisposable
{
    private readonly nn.Module cliper;
    private readonly nn.Module diffusion;
    private readonly nn.Module decoder;

    public StableDiffusion(SDDeviceType deviceType, SDScalarType scalarType)
    {
        var device = new Device((DeviceType)deviceType);
        var dtype = (ScalarType)scalarType;
        cliper = nn.Linear(768, 768, device: device, dtype: dtype);
        diffusion = nn.Conv2d(4, 320, 3, device: device, dtype: dtype);
        decoder = nn.Conv2d(4, 512, 3, device: device, dtype: dtype);
    }

    public void LoadModel(string modelPath, string vaeModelPath)
    {
        cliper.LoadModel(modelPath); //~ PREC001 built with dtype: in the constructor
        diffusion.LoadModel(modelPath); //~ PREC001 built with dtype: in the constructor
        decoder.LoadModel(vaeModelPath, "first_stage_model."); //~ PREC001 built with dtype: in the constructor
    }

    public void Dispose()
    {
        cliper.Dispose();
        diffusion.Dispose();
        decoder.Dispose();
    }
}

public class Esrgan
{
    private readonly nn.Module rrdbnet;

    public Esrgan(int num_block = 23, SDDeviceType deviceType = SDDeviceType.CUDA, SDScalarType scalarType = SDScalarType.Float16)
    {
        rrdbnet = nn.Conv2d(3, 64, 3, device: new Device((DeviceType)deviceType), dtype: (ScalarType)scalarType);
    }

    public void LoadModel(string path) => rrdbnet.LoadModel(path);
}

internal class Program
{
    static void Main()
    {
        string sdModelPath = @".\models\checkpoints\realDream_sdxlPony15.safetensors";
        string vaeModelPath = @".\models\vae\sdxl.vae.safetensors";
        string esrganModelPath = @".\RealESRGAN_x4plus.pth";
        SDDeviceType deviceType = SDDeviceType.CUDA;
        SDScalarType scalarType = SDScalarType.Float16; //! PREC002 SDXL: a 2.6B UNet, and its VAE overflows in FP16
        StableDiffusion sd = new StableDiffusion(deviceType, scalarType);
        Console.WriteLine("Loading model......");
        sd.LoadModel(sdModelPath, vaeModelPath); //~ PREC001 the dtype is given to the constructor that builds the parts
        sd.Dispose();
        var esrgan = new Esrgan(deviceType: deviceType, scalarType: scalarType); //~ PREC002 Real-ESRGAN x4plus has 17M parameters
        esrgan.LoadModel(esrganModelPath); //~ PREC001 the dtype is given to the constructor
    }
}
