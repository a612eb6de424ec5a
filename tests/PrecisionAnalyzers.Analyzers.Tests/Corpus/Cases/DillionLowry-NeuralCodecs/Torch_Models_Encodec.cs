// Reduced from https://github.com/DillionLowry/NeuralCodecs/blob/b21b8e9de4c2ad50c29e0a649bff3ecf980168b0/NeuralCodecs.Torch/Models/Encodec.cs (licence: Apache-2.0).
// The EnCodec codec (layers built with no dtype, an optional language model beside it) loads Meta's published PyTorch/Hugging Face weights into itself with PyBridge, or TorchSharp's own format, by file type.
using System;
using System.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Corpus.NeuralCodecs.Encodec;

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
        ".pt" or ".th" => ModelFileType.PyTorch,
        ".bin" => ModelFileType.Weights,
        ".safetensors" => ModelFileType.SafeTensors,
        ".json" => ModelFileType.Checkpoint,
        _ => ModelFileType.Unknown,
    };
}

public class EncodecLanguageModel : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> transformer;

    public EncodecLanguageModel(int dim)
        : base(nameof(EncodecLanguageModel))
    {
        transformer = Linear(dim, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => transformer.forward(x);
}

public class Encodec : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> encoder;
    private readonly Module<Tensor, Tensor> decoder;
    private readonly EncodecLanguageModel? _lm;

    public Encodec(int channels, int dimension, bool withLm)
        : base(nameof(Encodec))
    {
        encoder = Conv1d(channels, dimension, 7);
        decoder = Conv1d(dimension, channels, 7);
        _lm = withLm ? new EncodecLanguageModel(dimension) : null;
        RegisterComponents();
    }

    public Device Device { get; set; } = CPU;

    public override Tensor forward(Tensor x) => decoder.forward(encoder.forward(x));

    public void LoadWeights(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Weights not found at {path}");
        }

        try
        {
            set_default_device(CPU);
            if (Device != CPU)
            {
                using (no_grad())
                {
                    this.to(CPU);
                    _lm?.to(CPU);
                }
            }

            switch (FileUtils.DetectFileType(path))
            {
                case ModelFileType.PyTorch:
                case ModelFileType.Weights:
                    this.load_py(path); //! PREC001 Meta's PyTorch checkpoint into a module whose layers take no dtype
                    break;

                case ModelFileType.SafeTensors:
                    this.load_safetensors(path); //! PREC001 Hugging Face safetensors (facebook/encodec_*), same module
                    break;

                case ModelFileType.Checkpoint:
                    this.load_checkpoint(path); //! PREC001 a sharded Hugging Face checkpoint, same module
                    break;

                default:
                    this.load(path, false); //~ PREC001 TorchSharp's own format: Module.load throws on a dtype mismatch instead of converting
                    break;
            }

            if (Device != CPU)
            {
                using (no_grad())
                {
                    this.to(Device);
                    _lm?.to(Device);
                    set_default_device(Device);
                }
            }
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"Failed to load weights from {path}", ex);
        }
    }
}
