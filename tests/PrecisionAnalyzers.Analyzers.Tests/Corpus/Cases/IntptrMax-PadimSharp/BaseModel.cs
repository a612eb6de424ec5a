// Reduced from https://github.com/IntptrMax/PadimSharp/blob/2243daa0697194fa86adc5a0a3c80df559602883/PadimSharp/Model/BaseModel.cs (licence: Apache-2.0).
// PaDiM anomaly detection: builds a ResNet backbone and loads its TorchSharp-format pretrained weights, then saves and reloads the fitted statistics through a buffer-only Weight module.
using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.PadimSharp.Model;

public enum BackboneType
{
    ResNet18,
    WideResNet50_2,
}

public class Config
{
    public BackboneType BackboneType { get; set; } = BackboneType.ResNet18;

    public string PretrainedModelPath { get; set; } = @".\weights\resnet18.bin";

    public Device Device { get; set; } = torch.CPU;

    public int CroppedWidth { get; set; } = 224;

    public int CroppedHeight { get; set; } = 224;
}

public static class ResNet
{
    public static nn.Module<Tensor, Tensor> ResNet18() => nn.Sequential(nn.Conv2d(3, 64, 7, stride: 2), nn.ReLU());

    public static nn.Module<Tensor, Tensor> WideResNet50_2() => nn.Sequential(nn.Conv2d(3, 128, 7, stride: 2), nn.ReLU());
}

public class Weight : nn.Module
{
    public Weight(int d = 100, int height = 224, int width = 224)
        : base("profile")
    {
        int sz = height * width / 16;
        this.register_buffer("cov", torch.zeros(sz, d, d));
        this.register_buffer("mean", torch.zeros(d, sz));
        this.register_buffer("idx", torch.zeros(d, torch.ScalarType.Int32));
    }

    public void Save(string path, Tensor idx, Tensor cov, Tensor mean)
    {
        this.get_buffer("cov")!.copy_(cov);
        this.get_buffer("mean")!.copy_(mean);
        this.get_buffer("idx")!.copy_(idx);
        this.save(path);
    }
}

public class BaseModel
{
    private readonly Config config;
    private readonly nn.Module<Tensor, Tensor> net;
    private readonly int subspaceDimension;
    private Tensor? idx;

    public BaseModel(Config config)
    {
        this.config = config;
        switch (config.BackboneType)
        {
            case BackboneType.ResNet18:
                net = ResNet.ResNet18();
                this.subspaceDimension = 100;
                break;
            case BackboneType.WideResNet50_2:
                net = ResNet.WideResNet50_2();
                this.subspaceDimension = 550;
                break;
            default:
                throw new NotImplementedException($"Backbone type {config.BackboneType} is not implemented.");
        }

        net.load(config.PretrainedModelPath).to(config.Device); //~ PREC001 TorchSharp format (Module.load throws on a dtype mismatch); an FP32 module for FP32 weights
        net.eval();
    }

    public void LoadWeight(string weightPath)
    {
        Weight weight = new Weight(this.subspaceDimension, config.CroppedWidth, config.CroppedHeight);
        weight.load(weightPath); //~ PREC001 reloads the statistics this program saved with Weight.Save
        this.idx = weight.get_buffer("idx")!.to(config.Device);
    }
}
