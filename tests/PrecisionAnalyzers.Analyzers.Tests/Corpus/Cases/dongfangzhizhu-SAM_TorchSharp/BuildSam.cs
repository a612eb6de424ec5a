// Reduced from https://github.com/dongfangzhizhu/SAM_TorchSharp/blob/5cfdc87fcfafa094a0088ddb47ed019e3879281e/SAMTorchSharp/BuildSam.cs (licence: MIT).
// Builds MobileSAM and SAM ViT-H in the default dtype and loads the official checkpoint through TorchSharp.PyBridge: load_py for .pth/.pt files, load_safetensors for .safetensors, whatever dtype the file holds.
using System;
using System.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Corpus.SamTorchSharp.Build;

public class Sam : nn.Module
{
    public Sam(nn.Module imageEncoder, nn.Module promptEncoder, nn.Module maskDecoder, float[] pixel_mean, float[] pixel_std)
        : base(nameof(Sam))
    {
        RegisterComponents();
    }
}

public static class BuildSam
{
    public static Sam BuildMobileSam(string? checkpoint = null)
    {
        int promptEmbedDim = 256;
        var mobileSam = new Sam(
            nn.Sequential(nn.Conv2d(3, 64, 3), nn.Conv2d(64, promptEmbedDim, 1)),
            nn.Sequential(nn.Linear(2, promptEmbedDim)),
            nn.Sequential(nn.Linear(promptEmbedDim, 2048), nn.Linear(2048, promptEmbedDim)),
            pixel_mean: new[] { 123.675f, 116.28f, 103.53f },
            pixel_std: new[] { 58.395f, 57.12f, 57.375f });
        if (!string.IsNullOrEmpty(checkpoint))
        {
            var ext = Path.GetExtension(checkpoint);
            if (ext.Equals(".pth", StringComparison.InvariantCultureIgnoreCase) || ext.Equals(".pt", StringComparison.InvariantCultureIgnoreCase))
            {
                mobileSam.load_py(checkpoint); //! PREC001
            }
            else if (ext.Equals(".safetensors", StringComparison.InvariantCultureIgnoreCase))
            {
                mobileSam.load_safetensors(checkpoint); //! PREC001
            }
        }

        return mobileSam;
    }

    public static Sam BuildSAMVitH(string? checkpoint = null) => BuildSamCore(1280, 32, 16, checkpoint);

    private static Sam BuildSamCore(int encoderEmbedDim, int encoderDepth, int encoderNumHeads, string? checkpoint)
    {
        var sam = new Sam(
            nn.Sequential(nn.Conv2d(3, encoderEmbedDim, 16, stride: 16), nn.Conv2d(encoderEmbedDim, 256, 1)),
            nn.Sequential(nn.Linear(2, 256)),
            nn.Sequential(nn.Linear(256, 2048), nn.Linear(2048, 256)),
            pixel_mean: new[] { 123.675f, 116.28f, 103.53f },
            pixel_std: new[] { 58.395f, 57.12f, 57.375f });
        if (!string.IsNullOrEmpty(checkpoint))
        {
            var ext = Path.GetExtension(checkpoint);
            if (ext.Equals(".pth", StringComparison.InvariantCultureIgnoreCase) || ext.Equals(".pt", StringComparison.InvariantCultureIgnoreCase))
            {
                sam.load_py(checkpoint); //! PREC001
            }
            else if (ext.Equals(".safetensors", StringComparison.InvariantCultureIgnoreCase))
            {
                sam.load_safetensors(checkpoint); //! PREC001
            }
        }

        return sam;
    }
}
