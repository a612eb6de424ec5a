// Reduced from https://github.com/IntptrMax/ResnetTrain/blob/aea9ba1f535944f803e79c6d45fb54912d8ca68d/Program.cs (licence: MIT).
// Trains a ResNet-18 flower classifier in FP32 (a static scalarType field) with SGD, saves it with Module.save, and reloads it for the test pass.
using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Corpus.ResnetTrain;

internal class Program
{
    private static int Loop = 100;
    private static int ClassNumber = 5;
    private static Device device = new Device(DeviceType.CUDA);
    private static ScalarType scalarType = ScalarType.Float32;
    private static string modelName = "resnet18.bin";
    private static CrossEntropyLoss cross_loss = new CrossEntropyLoss();

    private static nn.Module<Tensor, Tensor> Resnet18(int classes, Device? device = null) =>
        nn.Sequential(nn.Conv2d(3, 64, 7, stride: 2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes)).to(device ?? torch.CPU);

    static void Train((Tensor Img, Tensor Tag)[] trainLoader)
    {
        var resnet = Resnet18(ClassNumber).to(device, scalarType); //~ PREC002 FP32
        var optimizer = torch.optim.SGD(resnet.parameters(), learningRate: 0.02, momentum: 0.9, weight_decay: 5e-4);
        var lr_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max: 200);
        for (int loop = 0; loop < Loop; loop++)
        {
            resnet.train(); //~ PREC003 trains; no cache
            foreach (var (trainImg, trainTag) in trainLoader)
            {
                optimizer.zero_grad();
                Tensor output = resnet.forward(trainImg);
                Tensor loss = cross_loss.forward(output, trainTag);
                loss.backward(); //~ PREC003 trains; no cache
                optimizer.step(); //~ PREC003 trains; no cache
                Console.WriteLine(loss.ToSingle());
            }

            lr_scheduler.step(); //~ PREC003 a scheduler's step
            resnet.eval();
        }

        resnet.save(modelName);
    }

    static void Test()
    {
        var resnet = Resnet18(5, device: device).to(scalarType); //~ PREC002 FP32
        resnet.load(modelName); //~ PREC001 reloads what Train saved, converted to the same FP32 before
        resnet.eval();
    }
}
