// Reduced from https://github.com/whuanle/Maomi.Torch/blob/116fbda87f1c4a950bc1bd5882e95932fe3b03e3/examples/dcgan_out/Program.cs (licence: MIT).
// Rebuilds the DCGAN generator, moves it to the device, and loads netg.dat, which the repository's dcgan example saved with Module.save after training it in FP32; then samples images.
using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MaomiTorch.DcganOut;

public class Options
{
    public string Dataroot { get; set; } = string.Empty;

    public int Workers { get; set; }

    public int BatchSize { get; set; } = 128;

    public int Nz { get; set; } = 100;

    public int Ngf { get; set; } = 64;
}

public class Generator : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> main;

    public Generator(Options options)
        : base(nameof(Generator))
    {
        main = nn.Sequential(nn.ConvTranspose2d(options.Nz, options.Ngf * 8, 4, 1, 0, bias: false), nn.Tanh());
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => main.forward(input);
}

public static class Program
{
    public static void Main()
    {
        Device defaultDevice = torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        torch.set_default_device(defaultDevice);
        torch.manual_seed(999);

        Options options = new Options()
        {
            Dataroot = "E:\\datasets\\celeba",
            Workers = 10,
            BatchSize = 128,
        };

        var netG = new Generator(options);
        netG.to(defaultDevice);
        netG.load("netg.dat"); //~ PREC001 the generator the repository's dcgan example trained and saved with Module.save (FP32 both ways)

        var fixed_noise = torch.randn(64, options.Nz, 1, 1, device: defaultDevice);
        var fake_images = netG.call(fixed_noise);
        Console.WriteLine(fake_images.shape[0]);
    }
}
