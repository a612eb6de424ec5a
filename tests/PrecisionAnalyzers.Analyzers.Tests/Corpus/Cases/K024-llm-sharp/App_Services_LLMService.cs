// Reduced from https://github.com/K024/llm-sharp/blob/af56fa0ba8a104deb16e19dd7abc151cf10aef7d/App/Services/LLMService.cs (licence: MIT).
// The web service loads every model listed in appsettings (type, path, dtype string defaulting to "float16", device), each through from_pretrained with the parsed dtype, and applies LoRA weights when configured.
using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Corpus.LlmSharp.Service;

public class LLMModelConfig
{
    public string name { get; set; } = "";

    public string type { get; set; } = "";

    public string path { get; set; } = "";

    public string dtype { get; set; } = "float16";

    public string device { get; set; } = "cuda";
}

public class LanguageModel
{
    public void load_lora_weights(string path, float alpha)
    {
    }
}

public static class PretrainedModel
{
    public static LanguageModel from_pretrained(string classHint, string path, ScalarType? dtype = null, Device? device = null) => new();
}

public class LLMService
{
    private readonly Dictionary<string, LanguageModel> models = new();

    public LLMService(IEnumerable<LLMModelConfig> configuredModels)
    {
        foreach (var model in configuredModels)
        {
            if (models.ContainsKey(model.path))
            {
                continue;
            }

            var model_instance = PretrainedModel.from_pretrained( //~ PREC001 the dtype is parsed from the configuration
                model.type,
                model.path,
                Enum.Parse<torch.ScalarType>(model.dtype, true), //~ PREC002 FP16 by default, for whatever model the settings list
                torch.device(model.device)
            );
            models.Add(model.path, model_instance);
        }
    }
}
