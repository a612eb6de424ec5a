// Reduced from https://github.com/jamesburton/LLMCompressorSharp/blob/c89a0850e39ab2832f990dda3548026c8a26390e/src/LLMCompressorSharp.Transformers/Loading/HuggingFaceLoader.cs (licence: Apache-2.0).
// Also reduced into it: ModelWeightsLoader.cs and LlamaModelLoader.cs of the same folder.
// Loads a Llama checkpoint from the Hugging Face cache: builds LlamaForCausalLM from config.json (no dtype anywhere, so FP32), reads the safetensors shards with PyBridge and copies each tensor into the module's parameters.
using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Corpus.LLMCompressorSharp.Loading;

public sealed class LlamaConfig
{
    public int HiddenSize { get; init; }

    public int VocabSize { get; init; }

    public int NumHiddenLayers { get; init; }
}

public static class LlamaConfigParser
{
    public static LlamaConfig LoadFromFile(string path) => new() { HiddenSize = 2048, VocabSize = 128256, NumHiddenLayers = 16 };
}

public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> embed_tokens;
    private readonly nn.Module<Tensor, Tensor> lm_head;

    public LlamaForCausalLM(LlamaConfig config)
        : base(nameof(LlamaForCausalLM))
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds) => lm_head.forward(embed_tokens.forward(inputIds));
}

public sealed record LoadedLlamaModel(LlamaForCausalLM Model, LlamaConfig Config, string SnapshotPath)
{
    public object? Tokenizer { get; init; }
}

public sealed class HuggingFaceLoadException(string message, Exception? inner = null) : Exception(message, inner);

public static class ModelWeightsLoader
{
    private const string SingleFile = "model.safetensors";
    private const string ShardManifestFile = "model.safetensors.index.json";

    public static IDictionary<string, Tensor> LoadFromSnapshot(string snapshotDir)
    {
        var singleFilePath = Path.Combine(snapshotDir, SingleFile);
        var manifestPath = Path.Combine(snapshotDir, ShardManifestFile);
        if (File.Exists(singleFilePath))
        {
            return LoadSingleFile(singleFilePath);
        }

        if (File.Exists(manifestPath))
        {
            return LoadSharded(snapshotDir, new[] { "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors" });
        }

        throw new HuggingFaceLoadException($"Neither '{SingleFile}' nor '{ShardManifestFile}' found in snapshot '{snapshotDir}'.");
    }

    private static IDictionary<string, Tensor> LoadSingleFile(string path)
    {
        try
        {
            return Safetensors.LoadStateDict(path); //~ PREC001 reads the file's tensors into a dictionary; no module yet (judged where they are copied in)
        }
        catch (Exception ex) when (ex is not HuggingFaceLoadException)
        {
            throw new HuggingFaceLoadException($"Failed to load safetensors file '{path}'.", ex);
        }
    }

    private static IDictionary<string, Tensor> LoadSharded(string snapshotDir, IEnumerable<string> shardFiles)
    {
        var merged = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var shardFile in shardFiles)
        {
            var shardPath = Path.Combine(snapshotDir, shardFile);
            var shardWeights = Safetensors.LoadStateDict(shardPath); //~ PREC001 reads one shard into a dictionary; no module yet
            foreach (var (name, tensor) in shardWeights)
            {
                merged[name] = tensor;
            }
        }

        return merged;
    }
}

public static class LlamaModelLoader
{
    public static void Load(LlamaForCausalLM model, IDictionary<string, Tensor> hfWeights, bool strict = true)
    {
        var missing = new List<string>();
        using (no_grad())
        {
            foreach (var (paramName, parameter) in model.named_parameters())
            {
                if (!hfWeights.TryGetValue(paramName, out var source))
                {
                    missing.Add(paramName);
                    continue;
                }

                parameter.copy_(source.to(parameter.device));
            }
        }

        if (strict && missing.Count > 0)
        {
            throw new HuggingFaceLoadException($"Missing weights in source for: {string.Join(", ", missing)}.");
        }
    }
}

public static class HuggingFaceLoader
{
    public static LoadedLlamaModel Load(string repoId, string? revision = "main", string? cacheRoot = null)
    {
        var rev = revision ?? "main";
        var snapshotDir = Path.Combine(cacheRoot ?? "hub", "models--" + repoId.Replace("/", "--"), "snapshots", rev);
        if (!Directory.Exists(snapshotDir))
        {
            throw new HuggingFaceLoadException($"Snapshot for '{repoId}@{rev}' not found at '{snapshotDir}'.");
        }

        var configPath = Path.Combine(snapshotDir, "config.json");
        var config = LlamaConfigParser.LoadFromFile(configPath);
        var model = new LlamaForCausalLM(config);

        IDictionary<string, Tensor>? weights = null;
        try
        {
            weights = ModelWeightsLoader.LoadFromSnapshot(snapshotDir);
            LlamaModelLoader.Load(model, weights); //! PREC001 a Hugging Face Llama checkpoint (BF16) copied into a LlamaForCausalLM built in FP32: nothing chooses the dtype, the model takes twice the memory
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            if (weights is not null)
            {
                foreach (var t in weights.Values)
                {
                    t.Dispose();
                }
            }
        }

        return new LoadedLlamaModel(model, config, snapshotDir);
    }

    public static LoadedLlamaModel LoadWithTokenizer(string repoId, string? revision = "main", string? cacheRoot = null)
    {
        var loaded = Load(repoId, revision, cacheRoot); //~ PREC001 the loader has no dtype to pass; the unchosen dtype is reported inside Load, where the module is built
        return loaded with { Tokenizer = new object() };
    }
}
