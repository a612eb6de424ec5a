// Reduced from https://github.com/whuanle/Maomi.Torch/blob/116fbda87f1c4a950bc1bd5882e95932fe3b03e3/src/Maomi.Torch/Model/Resnet18.cs (licence: MIT).
// Extension methods that download pretrained ResNet-18 weights and load them into the caller's torchvision ResNet (TorchVision's, built FP32 by torchvision.models.resnet18()): a TorchSharp-format .dat published for TorchSharp's FP32 ResNet, or torchvision's PyTorch .pth through PyBridge.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Threading.Tasks;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Corpus.MaomiTorch;

// Stand-in for TorchVision's TorchSharp.Modules.ResNet (torchvision.models.resnet18()), which the corpus references do not include.
public class ResNet : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> fc = nn.Linear(512, 1000);

    public ResNet()
        : base(nameof(ResNet))
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc.forward(x);
}

public static partial class MM
{
    public static string DatReposityBase { get; set; } = "https://huggingface.co/whuanle/torchcsharp/resolve/main/dats/";

    public static string PthReposityBase { get; set; } = "https://download.pytorch.org/models/";

    private static string CheckPath() => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".torchcsharp");

    private static Task<string> GetModelMd5(HttpClient client, string name) => Task.FromResult(string.Empty);

    private static string CalculateMD5(string path) => string.Empty;

    private static Task DownloadFileWithProgressAsync(HttpClient client, string url, string tempPath, string path) => Task.CompletedTask;

    public static ResNet LoadResnet18(this ResNet resnet, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null)
    {
        return LoadResnet18Async(resnet, strict, skip, loadedParameters).Result;
    }

    public static async Task<ResNet> LoadResnet18Async(this ResNet resnet, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null)
    {
        const string modelName = "resnet18.dat";
        string repoBaseUrl = DatReposityBase;
        if (!repoBaseUrl.EndsWith('/'))
        {
            repoBaseUrl += "/";
        }

        var torchcsharpDir = CheckPath();
        HttpClient httpClient = new HttpClient();
        var modelPath = Path.Combine(torchcsharpDir, modelName);
        var tempFilePath = $"resnet18_{DateTimeOffset.Now.ToUnixTimeMilliseconds():x16}.dat";
        var modelMd5 = await GetModelMd5(httpClient, modelName);

        if (File.Exists(modelPath))
        {
            var localFileMd5 = CalculateMD5(modelPath);
            if (string.Equals(modelMd5, localFileMd5, StringComparison.OrdinalIgnoreCase))
            {
                return (resnet.load(location: modelPath, strict: strict, skip: skip, loadedParameters: loadedParameters) as ResNet)!; //~ PREC001 TorchSharp-format weights published for TorchSharp's FP32 ResNet; Module.load throws on a dtype mismatch
            }

            File.Delete(modelPath);
        }

        await DownloadFileWithProgressAsync(httpClient, repoBaseUrl + modelName, Path.Combine(torchcsharpDir, tempFilePath), modelPath);
        return (resnet.load(location: modelPath, strict: strict, skip: skip, loadedParameters: loadedParameters) as ResNet)!; //~ PREC001 TorchSharp-format weights published for TorchSharp's FP32 ResNet
    }

    public static ResNet load_resnet18_pth(this ResNet net, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null)
    {
        const string modelName = "resnet18-f37072fd.pth";
        string repoBaseUrl = PthReposityBase;
        if (!repoBaseUrl.EndsWith('/'))
        {
            repoBaseUrl += "/";
        }

        var torchcsharpDir = CheckPath();
        HttpClient httpClient = new HttpClient();
        var modelPath = Path.Combine(torchcsharpDir, modelName);
        var tempFilePath = $"resnet18_{DateTimeOffset.Now.ToUnixTimeMilliseconds():x16}.pth";
        var modelMd5 = GetModelMd5(httpClient, modelName).Result;

        if (File.Exists(modelPath))
        {
            var localFileMd5 = CalculateMD5(modelPath);
            if (string.Equals(modelMd5, localFileMd5, StringComparison.OrdinalIgnoreCase))
            {
                return (net.load_py(location: modelPath, strict: strict, skip: skip, loadedParameters: loadedParameters) as ResNet)!; //! PREC001 torchvision's PyTorch checkpoint through PyBridge into a module whose dtype nothing here fixes
            }

            File.Delete(modelPath);
        }

        DownloadFileWithProgressAsync(httpClient, repoBaseUrl + modelName, Path.Combine(torchcsharpDir, tempFilePath), modelPath).Wait();
        return (net.load_py(location: modelPath, strict: strict, skip: skip, loadedParameters: loadedParameters) as ResNet)!; //! PREC001 same PyTorch checkpoint through PyBridge
    }
}
