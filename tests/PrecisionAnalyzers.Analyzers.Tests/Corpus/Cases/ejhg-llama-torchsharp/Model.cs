// Reduced from https://github.com/ejhg/llama-torchsharp/blob/b1d9c4a28016434a36a53cb789e759f3b332a665/src/Model.cs (licence: MIT).
// Model.build: reads params.json into a configuration whose Dtype is FP16 on Apple's mps and BF16 elsewhere, sets that as the process default, builds the Transformer and loads the Meta checkpoint with the project's own unpickler.
using System;
using System.IO;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.EjhgLlama;

public class ConfigurationParamsJson
{
    public int dim { get; set; }

    public int n_layers { get; set; }

    public int n_heads { get; set; }
}

public class ConfigurationParams
{
    public int dim { get; set; }

    public int n_layers { get; set; }

    public int n_heads { get; set; }

    public int max_seq_len { get; set; }

    public torch.ScalarType Dtype { get; set; } = torch.ScalarType.BFloat16;
}

public class Transformer : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear output;

    public Transformer(ConfigurationParams args)
        : base(nameof(Transformer))
    {
        output = nn.Linear(args.dim, 32000, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor h) => output.forward(h);
}

public static class WeightLoader
{
    public static void load_weights(this nn.Module module, string location)
    {
    }
}

static class Model
{
    public static Transformer build(string modelFolder, int maxSeqLen, string device, string paramJsonPath = "params.json", string modelWeightPath = "consolidated.00.pth")
    {
        paramJsonPath = Path.Combine(modelFolder, paramJsonPath);
        var json = JsonSerializer.Deserialize<ConfigurationParamsJson>(File.ReadAllText(paramJsonPath)) ?? throw new InvalidDataException(paramJsonPath);
        var modelArgs = new ConfigurationParams
        {
            dim = json.dim,
            n_layers = json.n_layers,
            n_heads = json.n_heads,
            max_seq_len = maxSeqLen,
            Dtype = device == "mps"
                ? torch.ScalarType.Float16
                : torch.ScalarType.BFloat16,
        };

        torch.set_default_dtype(modelArgs.Dtype); //! PREC004
        var model = new Transformer(modelArgs);
        Console.WriteLine("loading checkpoint");
        model.load_weights(location: Path.Combine(modelFolder, modelWeightPath)); //~ PREC001 the default dtype is set before the module is built
        model = model.to(device);
        return model;
    }
}
