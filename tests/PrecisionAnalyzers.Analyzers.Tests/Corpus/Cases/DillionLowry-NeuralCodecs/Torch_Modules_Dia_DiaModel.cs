// Reduced from https://github.com/DillionLowry/NeuralCodecs/blob/b21b8e9de4c2ad50c29e0a649bff3ecf980168b0/NeuralCodecs.Torch/Modules/Dia/DiaModel.cs (licence: Apache-2.0).
// Also reduced into it: the Dia wrapper's constructor (NeuralCodecs.Torch/Models/Dia.cs) and the ComputeDtype mapping (NeuralCodecs.Torch/Config/Dia/ComputeDtypeExtensions.cs) of the same commit.
// The Dia-1.6B text-to-speech model builds its encoder and decoder with the compute dtype it is given (from DiaConfig.ComputeDtype, FP32 by default) and loads Nari Labs' PyTorch/safetensors weights into itself with PyBridge.
using System;
using System.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Corpus.NeuralCodecs.Dia;

public enum ComputeDtype
{
    Float32,
    Float16,
    BFloat16,
}

public static class ComputeDtypeExtensions
{
    public static ScalarType ToTorchDtype(this ComputeDtype dtype)
    {
        return dtype switch
        {
            ComputeDtype.Float32 => ScalarType.Float32,
            ComputeDtype.Float16 => ScalarType.Float16, //~ PREC002 a mapping from the configuration's enum; which dtype Dia runs in is the caller's choice (FP32 by default)
            ComputeDtype.BFloat16 => ScalarType.BFloat16,
            _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
        };
    }
}

public class DiaConfig
{
    public ComputeDtype ComputeDtype { get; set; } = ComputeDtype.Float32;

    public string Device { get; set; } = "cuda";

    public int EncoderDim { get; set; } = 1024;

    public int DecoderDim { get; set; } = 2048;
}

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
        ".pth" => ModelFileType.PyTorch,
        ".bin" => ModelFileType.Weights,
        ".safetensors" => ModelFileType.SafeTensors,
        ".json" => ModelFileType.Checkpoint,
        _ => ModelFileType.Unknown,
    };
}

public class Encoder : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> embedding;

    public Encoder(DiaConfig config, ScalarType computeDtype)
        : base(nameof(Encoder))
    {
        embedding = Linear(config.EncoderDim, config.EncoderDim, dtype: computeDtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => embedding.forward(x);
}

public class Decoder : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> logitsDense;

    public Decoder(DiaConfig config, ScalarType computeDtype)
        : base(nameof(Decoder))
    {
        logitsDense = Linear(config.DecoderDim, config.DecoderDim, dtype: computeDtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => logitsDense.forward(x);
}

public class DiaModel : Module<Tensor, Tensor>
{
    private readonly Encoder encoder;
    private readonly Decoder decoder;
    private readonly Device _device;

    public DiaModel(DiaConfig config)
        : this(config, ScalarType.Float32, torch.device(config.Device))
    {
    }

    public DiaModel(DiaConfig config, ScalarType computeDtype, Device device)
        : base(nameof(DiaModel))
    {
        encoder = new Encoder(config, computeDtype);
        decoder = new Decoder(config, computeDtype);
        _device = device;
        RegisterComponents();
    }

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
                    this.load_py(path); //~ PREC001 every layer is built with the compute dtype the constructor is given; PyBridge casts to it
                    break;

                case ModelFileType.SafeTensors:
                    this.load_safetensors(path); //~ PREC001 every layer is built with the compute dtype the constructor is given
                    break;

                case ModelFileType.Checkpoint:
                    this.load_checkpoint(path); //~ PREC001 every layer is built with the compute dtype the constructor is given
                    break;

                default:
                    load(path, false); //~ PREC001 TorchSharp's own format, and the layers' dtype is the constructor's
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
            throw new InvalidOperationException($"Failed to load weights from {path}: {ex.Message}", ex);
        }
    }
}

public sealed class Dia
{
    private readonly ScalarType _computeDtype;
    private readonly DiaConfig _config;
    private readonly Device _device;
    private readonly DiaModel _model;

    public Dia(DiaConfig config)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _computeDtype = config.ComputeDtype.ToTorchDtype();
        _device = torch.device(config.Device);
        _model = new DiaModel(_config, _computeDtype, _device);
        _model.to(_device);
        _model.eval();
    }

    public void LoadWeights(string path) => _model.LoadWeights(path); //~ PREC001 delegates to DiaModel.LoadWeights: the layers' dtype is the configuration's compute dtype
}
