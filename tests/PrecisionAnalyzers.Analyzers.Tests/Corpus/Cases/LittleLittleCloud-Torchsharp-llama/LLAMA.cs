// Reduced from https://github.com/LittleLittleCloud/Torchsharp-llama/blob/7c36c8a88485bf6ad0e1400bb556a958fd1087b5/LLAMA.cs (licence: MIT).
// LLaMA.Build: reads params.json, sets the process default dtype to BF16, builds the Transformer and loads Meta's consolidated.00.pth with PyBridge's load_py, then moves the model to the device.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Corpus.TorchsharpLlama;

public class ModelArgs
{
    public int Dim { get; set; } = 4096;

    public int VocabSize { get; set; } = -1;

    public int MaxSeqLen { get; set; } = 2048;

    public int MaxBatchSize { get; set; } = 32;
}

public class Transformer : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Embedding tok_embeddings;

    public Transformer(ModelArgs args)
        : base(nameof(Transformer))
    {
        tok_embeddings = nn.Embedding(args.VocabSize, args.Dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens) => tok_embeddings.forward(tokens);
}

public class LLaMA
{
    private readonly Transformer transformer;

    public LLaMA(Transformer transformer)
    {
        this.transformer = transformer;
    }

    public static LLaMA Build(string modelFolder, int vocabSize, int maxSeqLen, int maxBatchSize, string paramJsonPath = "params.json", string modelWeightPath = "consolidated.00.pth", string device = "cpu")
    {
        paramJsonPath = Path.Combine(modelFolder, paramJsonPath);
        var modelArgs = JsonSerializer.Deserialize<ModelArgs>(File.ReadAllText(paramJsonPath)) ?? throw new Exception("Failed to deserialize model args");
        modelArgs.VocabSize = vocabSize;
        modelArgs.MaxSeqLen = maxSeqLen;
        modelArgs.MaxBatchSize = maxBatchSize;
        torch.set_default_dtype(torch.bfloat16); //! PREC004
        var checkpointPath = Path.Combine(modelFolder, modelWeightPath);
        var model = new Transformer(modelArgs);
        var loadedParameters = new Dictionary<string, bool>();
        model.load_py(location: checkpointPath, strict: false, loadedParameters: loadedParameters); //~ PREC001 BF16 is the default before the module is built
        model = model.to(device);
        return new LLaMA(model);
    }
}
