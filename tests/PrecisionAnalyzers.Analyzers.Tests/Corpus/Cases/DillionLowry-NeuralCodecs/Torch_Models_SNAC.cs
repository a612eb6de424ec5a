// Reduced from https://github.com/DillionLowry/NeuralCodecs/blob/b21b8e9de4c2ad50c29e0a649bff3ecf980168b0/NeuralCodecs.Torch/Models/SNAC.cs (licence: Apache-2.0).
// The SNAC audio codec builds its encoder, quantizer and decoder with no dtype and loads the published PyTorch/Hugging Face weights into itself with PyBridge, picking the loader by file type.
using System;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Corpus.NeuralCodecs.Snac;

public enum ModelFileType
{
    PyTorch,
    Weights,
    SafeTensors,
    Checkpoint,
    Unknown,
}

public static class FileUtils
{
    public static ModelFileType DetectFileType(string path) => Path.GetExtension(path) switch
    {
        ".pt" or ".pth" => ModelFileType.PyTorch,
        ".bin" => ModelFileType.Weights,
        ".safetensors" => ModelFileType.SafeTensors,
        ".json" => ModelFileType.Checkpoint,
        _ => ModelFileType.Unknown,
    };
}

public class SNACConfig
{
    public int EncoderDim { get; set; } = 64;

    public int[] EncoderRates { get; set; } = [3, 3, 7, 7];

    public int DecoderDim { get; set; } = 1536;

    public int CodebookSize { get; set; } = 4096;

    public string Device { get; set; } = "cpu";
}

public class SNAC : Module<Tensor, Tensor>
{
    private readonly int _hopLength;
    private readonly Module<Tensor, Tensor> encoder;
    private readonly Module<Tensor, Tensor> decoder;
    private readonly SNACConfig _config;

    private Device _device => torch.device(_config.Device);

    public SNAC(SNACConfig config)
        : base("SNAC")
    {
        _config = config;
        _hopLength = config.EncoderRates.Aggregate((a, b) => a * b);
        encoder = Conv1d(1, config.EncoderDim, 7);
        decoder = Conv1d(config.DecoderDim, 1, 7);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => decoder.forward(encoder.forward(x));

    public void LoadWeights(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"PyTorch weights not found at {path}");

        try
        {
            set_default_device(CPU);
            if (_device != CPU)
            {
                using (no_grad())
                {
                    this.to(CPU);
                }
            }

            switch (FileUtils.DetectFileType(path))
            {
                case ModelFileType.PyTorch:
                case ModelFileType.Weights:
                    this.load_py(path); //! PREC001 a PyTorch checkpoint into a module whose layers take no dtype
                    break;
                case ModelFileType.SafeTensors:
                    this.load_safetensors(path); //! PREC001 a Hugging Face safetensors file into a module whose layers take no dtype
                    break;
                case ModelFileType.Checkpoint:
                    this.load_checkpoint(path); //! PREC001 a sharded Hugging Face checkpoint, same module
                    break;
                default:
                    this.load(path); //~ PREC001 TorchSharp's own format: Module.load throws on a dtype mismatch instead of converting
                    break;
            }

            if (_device != CPU)
            {
                using (no_grad())
                {
                    this.to(_device);
                    set_default_device(_device);
                }
            }
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"Failed to load weights from {path}", ex);
        }
    }
}
