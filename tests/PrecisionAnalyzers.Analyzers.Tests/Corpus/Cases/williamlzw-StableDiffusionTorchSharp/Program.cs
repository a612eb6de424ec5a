// Reduced from https://github.com/williamlzw/StableDiffusionTorchSharp/blob/dc8c45a6a263b4e952713e61c438c33bff77872c/StableDiffusionTorchSharp/Program.cs (licence: MIT).
// Stable Diffusion 1.5: builds CLIP, the UNet and the VAE decoder, loads each from a TorchSharp-format .dat file with Module.load, then halves all three when flash attention is on and moves them to CUDA.
using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.StableDiffusionTorchSharp;

public class CLIP : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Embedding token_embedding = nn.Embedding(49408, 768);

    public CLIP(bool useFlashAttention = false)
        : base(nameof(CLIP))
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens) => token_embedding.forward(tokens);
}

public class Diffusion : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Conv2d conv = nn.Conv2d(4, 320, 3);

    public Diffusion(bool useFlashAttention = false)
        : base(nameof(Diffusion))
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor latent) => conv.forward(latent);
}

public class Decoder : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Conv2d conv = nn.Conv2d(4, 512, 3);

    public Decoder(bool useFlashAttention = false)
        : base(nameof(Decoder))
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor latent) => conv.forward(latent);
}

public class Program
{
    public static void Generate()
    {
        using (torch.no_grad())
        {
            bool useFlashAttention = true;
            var device = torch.device("cuda");
            string modelname = @".\model\unet.dat";
            var clip = new CLIP(useFlashAttention: useFlashAttention);
            clip.load(@".\model\clip.dat"); //~ PREC001 TorchSharp format converted for this program; Module.load throws on a dtype mismatch
            var diffusion = new Diffusion(useFlashAttention: useFlashAttention);
            diffusion.load(modelname); //~ PREC001 TorchSharp format; Module.load checks the dtype
            var decoder = new Decoder(useFlashAttention: useFlashAttention);
            decoder.load(@".\model\decoder.dat"); //~ PREC001 TorchSharp format; Module.load checks the dtype
            if (useFlashAttention)
            {
                clip = clip.half(); //~ PREC002 SD 1.5's text encoder has 123M parameters
            }

            clip = clip.to(device);
            clip.eval();
            if (useFlashAttention)
            {
                diffusion = diffusion.half(); //~ PREC002 SD 1.5's UNet has 860M parameters, and the family is not FP16-unsafe
            }

            diffusion = diffusion.to(device);
            diffusion.eval();
            if (useFlashAttention)
            {
                decoder = decoder.half(); //~ PREC002 SD 1.5's VAE decoder has 50M parameters
            }

            decoder = decoder.to(device);
            decoder.eval();
            ScalarType diffusionType = diffusion.parameters().First().dtype;
            Console.WriteLine(diffusionType);
        }
    }
}
