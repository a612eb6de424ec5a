// Reduced from https://github.com/dotnet/machinelearning/blob/cd2fbd617c13bcb98ec8b6554bfa20ac603e4572/src/Microsoft.ML.TorchSharp/NasBert/NasBertTrainer.cs (licence: MIT).
// ML.NET's NAS-BERT trainer: builds the task model, loads the pretrained encoder ML.NET publishes in TorchSharp format with Module.load, trains with backward() and an optimizer step; a saved ML.NET model reloads its module from the model file's stream (TextClassificationTrainer.cs).
using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.MachineLearning.NasBert;

public class NasBertModel : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear encoder;
    private readonly TorchSharp.Modules.Linear head;

    public NasBertModel(int numClasses)
        : base(nameof(NasBertModel))
    {
        encoder = nn.Linear(512, 512);
        head = nn.Linear(512, numClasses);
        RegisterComponents();
    }

    public nn.Module GetEncoder() => encoder;

    public override Tensor forward(Tensor x) => head.forward(encoder.forward(x));
}

public class NasBertTrainer
{
    private NasBertModel? Model;
    private optim.Optimizer? Optimizer;

    private static string GetModelPath(string modelUrl) => Path.Combine(Path.GetTempPath(), "mlnet", Path.GetFileName(modelUrl));

    public nn.Module CreateModule(int numberOfClasses)
    {
        var model = new NasBertModel(numberOfClasses);
        model.GetEncoder().load(GetModelPath("models/pretrained_NAS-BERT-v0.5.tsm")); //~ PREC001 TorchSharp format published in FP32 for an FP32 module; Module.load checks the dtype
        Model = model;
        Optimizer = torch.optim.Adam(model.parameters(), 2e-5);
        return model;
    }

    public void RunModelAndBackPropagation(Tensor inputTensor, Tensor targetsTensor)
    {
        Model!.train(); //~ PREC003 trains; no cache
        var logits = Model.forward(inputTensor);
        var loss = torch.nn.CrossEntropyLoss().forward(logits, targetsTensor);
        loss.backward(); //~ PREC003 trains; no cache
        Optimizer!.step(); //~ PREC003 trains; no cache
    }

    public static NasBertModel LoadFromModelFile(Func<Action<BinaryReader>, bool> tryLoadBinaryStream, int numberOfClasses)
    {
        var model = new NasBertModel(numberOfClasses);
        if (!tryLoadBinaryStream(r => model.load(r))) //~ PREC001 reloads the module ML.NET saved into its own model file
        {
            throw new InvalidDataException("TSModel");
        }

        return model;
    }
}
