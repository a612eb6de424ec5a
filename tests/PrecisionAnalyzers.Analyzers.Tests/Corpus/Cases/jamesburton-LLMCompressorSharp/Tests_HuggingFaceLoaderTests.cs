// Reduced from https://github.com/jamesburton/LLMCompressorSharp/blob/c89a0850e39ab2832f990dda3548026c8a26390e/tests/LLMCompressorSharp.Tests/Transformers/Loading/HuggingFaceLoaderTests.cs (licence: Apache-2.0).
// Tests the Hugging Face loader end to end on a snapshot the test writes itself (FP32 random tensors saved with PyBridge), and on missing snapshots.
using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Corpus.LLMCompressorSharp.Tests;

public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> lm_head = nn.Linear(8, 50, hasBias: false);

    public LlamaForCausalLM()
        : base(nameof(LlamaForCausalLM))
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => lm_head.forward(x);
}

public sealed record LoadedLlamaModel(LlamaForCausalLM Model, string SnapshotPath);

public static class HuggingFaceLoader
{
    public static LoadedLlamaModel Load(string repoId, string? revision = "main", string? cacheRoot = null)
    {
        var snapshot = Path.Combine(cacheRoot ?? "hub", repoId, revision ?? "main");
        var model = new LlamaForCausalLM();
        var weights = Safetensors.LoadStateDict(Path.Combine(snapshot, "model.safetensors")); //~ PREC001 reads tensors into a dictionary; no module
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
            {
                p.copy_(weights[name]);
            }
        }

        return new LoadedLlamaModel(model, snapshot);
    }
}

public class HuggingFaceLoaderTests
{
    private readonly string _cacheRoot = Path.Combine(Path.GetTempPath(), $"llmc-hfloader-test-{Guid.NewGuid():N}", "hub");

    public void Load_FromSynthesizedSnapshot_ProducesPopulatedModel()
    {
        var repoId = "FakeOrg/FakeRepo";
        var revision = "main";
        var snapshotDir = Path.Combine(_cacheRoot, repoId, revision);
        Directory.CreateDirectory(snapshotDir);
        File.WriteAllText(Path.Combine(snapshotDir, "config.json"), "{ \"hidden_size\": 8, \"vocab_size\": 50 }");

        var saveDict = new Dictionary<string, Tensor>
        {
            ["model.embed_tokens.weight"] = randn(50, 8),
            ["lm_head.weight"] = randn(50, 8),
        };
        try
        {
            Safetensors.SaveStateDict(Path.Combine(snapshotDir, "model.safetensors"), saveDict);
            var result = HuggingFaceLoader.Load(repoId, revision, _cacheRoot); //~ PREC001 loads the FP32 tensors this test has just written into an FP32 module
            using (result.Model)
            {
                using var inputIds = randint(0, 50, new long[] { 1, 3 }, dtype: ScalarType.Int64);
                using var logits = result.Model.forward(inputIds);
            }
        }
        finally
        {
            foreach (var t in saveDict.Values)
            {
                t.Dispose();
            }
        }
    }

    public void Load_MissingSnapshot_Throws()
    {
        Func<LoadedLlamaModel> act = () => HuggingFaceLoader.Load("NoSuch/Repo", "main", _cacheRoot); //~ PREC001 expected to throw: there is no snapshot to load
        try
        {
            act();
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
