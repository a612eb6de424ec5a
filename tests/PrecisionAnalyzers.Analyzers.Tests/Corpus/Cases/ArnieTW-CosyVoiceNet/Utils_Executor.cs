// Reduced from https://github.com/ArnieTW/CosyVoiceNet/blob/37fac998197a14a68b3617a2a4ac437e1f2ef821/Utils/Executor.cs (licence: Apache-2.0).
// The port of CosyVoice's training executor: one epoch of training (plain and GAN variants) over dynamically typed model, optimizer and data loader; no generation cache anywhere.
using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.CosyVoiceNet.Utils;

public class Executor
{
    public dynamic? RefModel { get; }

    public int Step { get; private set; }

    public int Epoch { get; private set; }

    public Device Device { get; }

    public Executor(bool gan = false, dynamic? refModel = null)
    {
        RefModel = refModel;
        var rank = int.TryParse(Environment.GetEnvironmentVariable("RANK"), out var r) ? r : 0;
        Device = torch.device($"cuda:{rank}");
    }

    public void TrainOneEpoch(dynamic model, dynamic optimizer, dynamic trainDataLoader, Dictionary<string, object> infoDict)
    {
        model.train(); //~ PREC003 trains; no generation cache anywhere
        if (RefModel != null)
        {
            RefModel.eval();
        }

        foreach (var batch in trainDataLoader)
        {
            infoDict["tag"] = "TRAIN";
            infoDict["step"] = Step;
            infoDict["epoch"] = Epoch;

            var inputs = batch.inputs;
            var targets = batch.targets;
            optimizer.zero_grad();
            var outputs = model.forward(inputs);
            var loss = torch.nn.functional.cross_entropy(outputs, targets);
            loss.backward(); //~ PREC003 trains; no generation cache anywhere
            optimizer.step(); //~ PREC003 trains; no generation cache anywhere
            Step++;
        }
    }

    public void TrainOneEpochGan(dynamic model, dynamic optimizer, dynamic trainDataLoader, Dictionary<string, object> infoDict)
    {
        model.train(); //~ PREC003 trains; no generation cache anywhere

        foreach (var batch in trainDataLoader)
        {
            infoDict["tag"] = "TRAIN";
            var inputs = batch.inputs;
            var targets = batch.targets;
            optimizer.zero_grad();
            var outputs = model.forward(inputs);
            var loss = torch.nn.functional.cross_entropy(outputs, targets);
            loss.backward(); //~ PREC003 trains; no generation cache anywhere
            optimizer.step(); //~ PREC003 trains; no generation cache anywhere
            Step++;
        }
    }
}
