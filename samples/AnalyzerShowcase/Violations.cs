// What each rule flags. Every flagged line ends with a comment naming the rule; Fixed.cs has the same methods, fixed.
// The build shows these as warnings (see AnalyzerShowcase.csproj); in your IDE each offers its fix (Ctrl+. / Alt+Enter).
using PrecisionAnalyzers.Runtime;
using TorchSharp;

namespace AnalyzerShowcase.Violations;

public static class Loading
{
    // PREC001: no dtype chosen. The load falls back to Auto, which depends on the machine the code happens to run on;
    // with FP32 a 12B model needs ~47 GB instead of ~24 GB.
    public static CausalLM NoDtype() =>
        CausalLM.Load("models/gemma-3-12b"); // PREC001

    public static SentenceEncoder EncoderWithoutDtype() =>
        SentenceEncoder.Load("models/all-MiniLM-L6-v2", new LoadOptions { Device = "cpu" }); // PREC001

    // PREC001 on TorchSharp: a module built in FP32 (no dtype) loading weights saved in BF16; Module.load throws on the
    // mismatch. (A program reloading the FP32 state it saved, or a TorchScript module, is not flagged.)
    public static torch.nn.Module<torch.Tensor, torch.Tensor> ModuleWithoutDtype()
    {
        var model = torch.nn.Linear(2560, 2560);
        model.load("models/phi-2-bf16/layer0.dat"); // PREC001
        return model;
    }

    // PREC002: Gemma's hidden states pass FP16's 65504; it answers NaN.
    public static CausalLM Float16OnGemma() =>
        CausalLM.Load("google/gemma-2-9b", new LoadOptions { Dtype = DType.Float16 }); // PREC002

    // PREC002 on TorchSharp: .half() on a module that takes a Gemma checkpoint's weights.
    public static torch.nn.Module<torch.Tensor, torch.Tensor> HalfGemmaModule()
    {
        var model = torch.nn.Linear(2048, 2048);
        model.load("models/gemma-2b/model.dat");
        return model.half(); // PREC002
    }

    // PREC005: BF16 written in for CUDA; GPUs below compute capability 8.0 have no BF16 GEMM.
    public static CausalLM BFloat16OnCuda() =>
        CausalLM.Load("models/llama-3.2-1b", new LoadOptions { Dtype = DType.BFloat16, Device = "cuda" }); // PREC005
}

public static class Training
{
    // PREC003: the generation cache stays on while training; checkpoint saving crashes on it.
    public static void FineTune(string folder)
    {
        using var model = CausalLM.Load(folder, new LoadOptions { Dtype = DType.BFloat16, UseCache = true }); // PREC003
        model.Train();
    }

    // PREC004: process-wide state that every later module and tensor inherits, including in libraries.
    public static void HalfEverywhere() =>
        torch.set_default_dtype(torch.float16); // PREC004
}
