using System.Text.Json;
using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Planning;
using static TorchSharp.torch;

namespace PrecisionAnalyzers.Runtime.Adapters;

/// <summary>
/// Folds LoRA adapters into the base weights: every adapted projection becomes W + alpha/r·B·A, summed in FP32 and rounded
/// once to the target dtype; every other weight is converted as it is.
/// </summary>
public static class AdapterMerger
{
    /// <summary>Files copied from the source checkpoint beside the merged weights.</summary>
    public static IReadOnlyList<string> CompanionFiles { get; } =
        ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"];

    /// <summary>The merged weights by Hugging Face name in <paramref name="dtype"/> (the caller disposes them).</summary>
    public static Dictionary<string, Tensor> Merge(DecoderModel model, LoraAdapterSet adapters, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(adapters);
        if (model.Quantization != WeightQuantization.None)
        {
            throw new NotSupportedException($"adapters cannot be merged into {Planning.PrecisionPlanner.Name(model.Quantization)} weights; merge into an unquantized load of the base.");
        }

        var target = DecoderModel.ScalarTypeOf(dtype);
        var deltas = adapters.Adapters.ToDictionary(adapter => adapter.ModuleName + ".weight", StringComparer.Ordinal);
        var merged = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var noGrad = no_grad();
            foreach (var (name, weight) in model.StateDict)
            {
                if (deltas.TryGetValue(name, out var adapter))
                {
                    using var scope = NewDisposeScope();
                    using var delta = adapter.Delta();
                    merged[name] = weight.to_type(ScalarType.Float32).add(delta.to(weight.device)).to_type(target).MoveToOuterDisposeScope();
                }
                else
                {
                    merged[name] = weight.to_type(target, copy: true);
                }
            }

            return merged;
        }
        catch
        {
            foreach (var tensor in merged.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Writes the merged checkpoint into the new folder <paramref name="folder"/>: <c>model.safetensors</c>, the source's
    /// <c>config.json</c> with its dtype set to <paramref name="dtype"/>, and the source's tokenizer files.
    /// </summary>
    public static void Save(string folder, string sourceFolder, DecoderModel model, LoraAdapterSet adapters, DType dtype, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(sourceFolder);
        var configPath = Path.Combine(sourceFolder, "config.json");
        var text = Inputs.InputFile.ReadAllText(configPath, sourceFolder, Inputs.InputFile.MaxConfigBytes, (reason, inner) => new Configuration.ModelConfigException(configPath, null, reason, inner));
        var config = JsonNode.Parse(text, documentOptions: Inputs.JsonInput.Options) as JsonObject
            ?? throw new InvalidDataException($"{configPath} is not a JSON object.");
        SetDtype(config, DtypeRules.Name(dtype));
        var weights = Merge(model, adapters, dtype);
        try
        {
            // Tensors the decoder does not use (a multimodal checkpoint's vision tower and projector, say) go through in the
            // target dtype, so the merged folder is a whole checkpoint for any loader, not only this runtime.
            if (Checkpoint.Exists(sourceFolder))
            {
                using var source = Checkpoint.Open(sourceFolder, cancellationToken: cancellationToken);
                var target = DecoderModel.ScalarTypeOf(dtype);
                foreach (var name in source.Names.Where(name => !weights.ContainsKey(name) && !IsTiedHeadCopy(name, model)))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var stored = source.Info(name).Type;
                    weights[name] = source.Get(name, SafetensorsDtypes.IsFloatingPoint(stored) ? target : stored, CPU);
                }
            }

            AtomicFolder.Write(folder, temporary =>
            {
                File.WriteAllText(Path.Combine(temporary, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
                foreach (var name in CompanionFiles.Where(name => File.Exists(Path.Combine(sourceFolder, name))))
                {
                    File.Copy(Path.Combine(sourceFolder, name), Path.Combine(temporary, name));
                }

                var metadata = new Dictionary<string, string> { ["format"] = "pt", ["merged_adapter"] = adapters.BaseModel ?? "lora" };
                SafetensorsWriter.Write(Path.Combine(temporary, Checkpoint.SingleFile), weights, metadata, cancellationToken);
            });
        }
        finally
        {
            foreach (var tensor in weights.Values)
            {
                tensor.Dispose();
            }
        }
    }

    // A checkpoint with tied embeddings that also stores lm_head.weight: the decoder reads the embedding only.
    private static bool IsTiedHeadCopy(string name, DecoderModel model) =>
        model.Config.TieWordEmbeddings && name.EndsWith("lm_head.weight", StringComparison.Ordinal);

    private static void SetDtype(JsonObject config, string name)
    {
        // transformers ≥ 4.56 writes "dtype", older versions "torch_dtype"; keep whichever the source had, and always one.
        var hadDtype = config.ContainsKey("dtype");
        config["torch_dtype"] = name;
        if (hadDtype)
        {
            config["dtype"] = name;
        }

        if (config["text_config"] is JsonObject text && (text.ContainsKey("torch_dtype") || text.ContainsKey("dtype")))
        {
            SetDtype(text, name);
        }
    }
}
