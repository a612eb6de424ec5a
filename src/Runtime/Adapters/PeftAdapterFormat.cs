using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Adapters;

/// <summary>
/// The on-disk layout of a PEFT LoRA adapter: <c>adapter_config.json</c> beside <c>adapter_model.safetensors</c>, whose tensors
/// are named <c>base_model.model.&lt;module&gt;.lora_A.weight</c> [r, in] and <c>….lora_B.weight</c> [out, r].
/// </summary>
public static class PeftAdapterFormat
{
    public const string ConfigFile = "adapter_config.json";

    public const string WeightsFile = "adapter_model.safetensors";

    private const string Prefix = "base_model.model.";

    /// <summary>The PEFT tensor name of one half (<c>lora_A</c> or <c>lora_B</c>) of a module's adapter.</summary>
    public static string TensorName(string moduleName, string part) => $"{Prefix}{moduleName}.{part}.weight";

    /// <summary>Whether <paramref name="folder"/> holds an adapter.</summary>
    public static bool Exists(string folder) =>
        Inputs.InputFile.IsPresent(Path.Combine(folder, ConfigFile)) && Inputs.InputFile.IsPresent(Path.Combine(folder, WeightsFile));

    /// <summary>The text of <c>adapter_config.json</c> for <paramref name="options"/>.</summary>
    public static string ConfigJson(LoraOptions options, string? baseModel)
    {
        ArgumentNullException.ThrowIfNull(options);
        var root = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModel,
            ["r"] = options.Rank,
            ["lora_alpha"] = options.Alpha,
            ["lora_dropout"] = options.Dropout,
            ["target_modules"] = new JsonArray(options.TargetModules.Select(name => (JsonNode?)JsonValue.Create(name)).ToArray()),
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["use_rslora"] = false,
            ["init_lora_weights"] = true,
            ["inference_mode"] = true,
            ["modules_to_save"] = null,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Reads <c>adapter_config.json</c> of <paramref name="folder"/>; refuses what this runtime does not implement, by key.</summary>
    /// <exception cref="AdapterFormatException">The file is missing, malformed, or asks for something unsupported.</exception>
    public static LoraOptions ReadConfig(string folder, out string? baseModel)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, ConfigFile);
        if (!Inputs.InputFile.IsPresent(path))
        {
            throw new AdapterFormatException(path, $"no {ConfigFile}: {folder} is not a PEFT adapter folder");
        }

        var text = Inputs.InputFile.ReadAllText(path, folder, Inputs.InputFile.MaxConfigBytes, (reason, inner) => new AdapterFormatException(path, reason, inner));
        JsonObject root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: Inputs.JsonInput.Options) as JsonObject ?? throw new AdapterFormatException(path, "the file is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new AdapterFormatException(path, Inputs.JsonInput.Describe(e), e);
        }

        var peftType = String(root, "peft_type", path) ?? "LORA";
        if (!peftType.Equals("LORA", StringComparison.OrdinalIgnoreCase))
        {
            throw new AdapterFormatException(path, $"peft_type '{peftType}' is not supported (only LORA)");
        }

        if (root["fan_in_fan_out"] is JsonValue fan && fan.TryGetValue<bool>(out var fanInFanOut) && fanInFanOut)
        {
            throw new AdapterFormatException(path, "fan_in_fan_out = true (Conv1D layouts) is not supported");
        }

        if (String(root, "bias", path) is { } bias && bias != "none")
        {
            throw new AdapterFormatException(path, $"bias = '{bias}' is not supported (only 'none')");
        }

        if (root["use_rslora"] is JsonValue rs && rs.TryGetValue<bool>(out var rslora) && rslora)
        {
            throw new AdapterFormatException(path, "use_rslora = true is not supported");
        }

        var rank = (int)Number(root, "r", path, required: true)!.Value;
        var alpha = Number(root, "lora_alpha", path, required: false) ?? 8;
        var dropout = Number(root, "lora_dropout", path, required: false) ?? 0;
        IReadOnlyList<string> targets = root["target_modules"] switch
        {
            JsonArray array => array.Select(node => node is JsonValue name && name.TryGetValue<string>(out var text)
                ? text
                : throw new AdapterFormatException(path, $"target_modules must hold module names, found {node?.ToJsonString() ?? "null"}")).ToArray(),
            JsonValue value when value.TryGetValue<string>(out var word) => word == "all-linear" ? LoraOptions.AllLinearModules : [word],
            _ => throw new AdapterFormatException(path, "target_modules must be a list of module names or 'all-linear'"),
        };
        baseModel = String(root, "base_model_name_or_path", path);
        var options = new LoraOptions { Rank = rank, Alpha = alpha, Dropout = dropout, TargetModules = targets };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new AdapterFormatException(path, e.Message);
        }

        return options;
    }

    private static string? String(JsonObject root, string key, string path) => root[key] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => throw new AdapterFormatException(path, $"'{key}' must be a string"),
    };

    private static double? Number(JsonObject root, string key, string path, bool required)
    {
        if (root[key] is JsonValue value && value.TryGetValue<double>(out var number))
        {
            return number;
        }

        if (root[key] is null && !required)
        {
            return null;
        }

        throw new AdapterFormatException(path, root[key] is null ? $"'{key}' is missing" : $"'{key}' must be a number, not {root[key]!.ToJsonString()}");
    }
}

/// <summary>An adapter folder that cannot be used, naming the file and the problem.</summary>
public sealed class AdapterFormatException : Exception
{
    public AdapterFormatException(string filePath, string problem, Exception? inner = null)
        : base($"{Path.GetFileName(filePath)}: {problem} ({filePath})", inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file the problem is in (or the file that was looked for).</summary>
    public string FilePath { get; }

    /// <summary>The problem, without the file name.</summary>
    public string Problem { get; }
}
