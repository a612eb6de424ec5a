// Reduced from https://github.com/K024/llm-sharp/blob/af56fa0ba8a104deb16e19dd7abc151cf10aef7d/App/Program.cs (licence: MIT).
// The "cli" command: reads the model type, path, dtype (default "float16") and device from the configuration, parses the dtype string into a ScalarType and loads the model with the project's own from_pretrained (LLM/Pretrained/Pretrained.cs: a nullable dtype parameter, the builder's FP32 when null) before chatting.
using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.LlmSharp.App;

public abstract class AbstractBuilder
{
    public virtual ScalarType dtype { get; set; } = torch.float32;

    public virtual Device device { get; set; } = torch.CPU;
}

public class LlamaBuilder : AbstractBuilder
{
}

public class LlamaModel : nn.Module
{
    public LlamaModel(AbstractBuilder builder)
        : base(nameof(LlamaModel))
    {
        register_parameter("embed", new TorchSharp.Modules.Parameter(torch.empty(32000, 4096, builder.dtype, builder.device)));
    }
}

public abstract class GenerativeLM
{
    public abstract void start_chat_cli();
}

public class Llama : GenerativeLM
{
    private readonly LlamaModel model;

    private Llama(LlamaModel model)
    {
        this.model = model;
    }

    public static Llama from_pretrained(string path, ScalarType? dtype = null, Device? device = null)
    {
        var model = PretrainedModel.model_from_pretrained(path, dtype, device); //~ PREC001 passes its dtype parameter on
        return new Llama(model);
    }

    public override void start_chat_cli() => Console.WriteLine(model.GetName());
}

public static class PretrainedModel
{
    public static T from_pretrained<T>(string classHint, string path, ScalarType? dtype = null, Device? device = null)
        where T : GenerativeLM => (T)(GenerativeLM)Llama.from_pretrained(path, dtype, device); //~ PREC001 passes its dtype parameter on

    public static LlamaModel model_from_pretrained(string path, ScalarType? dtype = null, Device? device = null)
    {
        var builder = new LlamaBuilder();
        if (device is not null)
        {
            builder.device = device;
        }

        if (dtype is not null)
        {
            builder.dtype = dtype.Value;
        }

        var model = new LlamaModel(builder);
        var state_dict = model.state_dict();
        load_state_dict(state_dict, System.IO.Directory.GetFiles(path, "*.safetensors")); //~ PREC001 the module was built with the caller's dtype parameter when given
        return model;
    }

    private static void load_state_dict(Dictionary<string, Tensor> state_dict, string[] files)
    {
    }
}

public static class Program
{
    public static void Run(Func<string, string?> getValue, Func<string, string, string> getValueOrDefault)
    {
        var model = getValue("model");
        var model_path = getValue("path");
        var dtype = getValueOrDefault("dtype", "float16");
        var device = getValueOrDefault("device", "cuda");
        GenerativeLM llm;
        if (string.IsNullOrEmpty(model) || string.IsNullOrEmpty(model_path))
        {
            throw new Exception("No model found. Use --model <model_type> and --path <model_path> to specify a model.");
        }
        else
        {
            llm = PretrainedModel.from_pretrained<GenerativeLM>( //~ PREC001 the dtype is parsed from the configuration
                model,
                model_path,
                Enum.Parse<torch.ScalarType>(dtype, true), //~ PREC002 FP16 by default, but the model's type and path come from the command line
                torch.device(device)
            );
        }

        llm.start_chat_cli();
    }
}
