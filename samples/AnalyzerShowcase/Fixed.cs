// The methods of Violations.cs, as their fixes leave them (PREC004 has no automatic fix: the advice is applied by hand).
// .editorconfig makes every PREC rule an error in this file, so it cannot drift back.
using PrecisionAnalyzers.Runtime;
using TorchSharp;

namespace AnalyzerShowcase.Fixed;

public static class Loading
{
    // PREC001's fixes: BFloat16, Float32, or Auto said out loud (letting the runtime choose from the checkpoint and machine).
    public static CausalLM NoDtype() =>
        CausalLM.Load("models/gemma-3-12b", new LoadOptions { Dtype = DType.BFloat16 });

    public static SentenceEncoder EncoderWithoutDtype() =>
        SentenceEncoder.Load("models/all-MiniLM-L6-v2", new LoadOptions { Device = "cpu", Dtype = DType.Auto });

    public static torch.nn.Module<torch.Tensor, torch.Tensor> ModuleWithoutDtype()
    {
        var model = torch.nn.Linear(2560, 2560);
        model.to(torch.ScalarType.BFloat16).load("models/phi-2-bf16/layer0.dat");
        return model;
    }

    // PREC002's fix: BF16 has FP32's range at FP16's size.
    public static CausalLM Float16OnGemma() =>
        CausalLM.Load("google/gemma-2-9b", new LoadOptions { Dtype = DType.BFloat16 });

    // PREC002's fix on TorchSharp: .bfloat16() instead of .half().
    public static torch.nn.Module<torch.Tensor, torch.Tensor> HalfGemmaModule()
    {
        var model = torch.nn.Linear(2048, 2048);
        model.load("models/gemma-2b/model.dat");
        return model.bfloat16();
    }

    // PREC005's fix: Auto gives BF16 where the GPU runs it, FP16 or FP32 elsewhere.
    public static CausalLM BFloat16OnCuda() =>
        CausalLM.Load("models/llama-3.2-1b", new LoadOptions { Dtype = DType.Auto, Device = "cuda" });
}

public static class Training
{
    // PREC003's fix: no cache while training.
    public static void FineTune(string folder)
    {
        using var model = CausalLM.Load(folder, new LoadOptions { Dtype = DType.BFloat16, UseCache = false });
        model.Train();
    }

    // PREC004's advice: leave the process default alone and give the model its dtype.
    public static torch.nn.Module<torch.Tensor, torch.Tensor> HalfModel() =>
        torch.nn.Linear(16, 16).to(torch.ScalarType.BFloat16);
}
