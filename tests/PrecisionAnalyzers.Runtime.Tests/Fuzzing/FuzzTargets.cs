using System.Text;
using PrecisionAnalyzers.Runtime.Adapters;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Configuration;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Native;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Tests.Fuzzing;

/// <summary>
/// The readers under fuzzing and, for each, the only exceptions it may throw. CI counts are per target, chosen so that all
/// targets together stay well under a minute on two cores (docs/fuzzing.md has the measurements).
/// </summary>
internal static class FuzzTargets
{
    /// <summary>Text each loaded tokenizer encodes and decodes: ASCII, digits, accents, an emoji, a special-looking token, spaces.</summary>
    private const string SampleText = "Once upon a time, 123 héllo  wörld 😀 <s> </s>\n\tend";

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("safetensors-header", "model.safetensors", [typeof(SafetensorsFormatException)], 20_000, (input, folder) =>
        {
            var path = Path.Combine(folder, "model.safetensors");
            var length = SafetensorsHeader.ReadLength(input, input.Length, path);
            var header = SafetensorsHeader.Parse(input.AsSpan(8, checked((int)length)), input.Length - 8 - length, path);
            _ = header.Tensors.Sum(t => t.Shape.Length) + header.Metadata.Count;
        }),
        new("config", "config.json", [typeof(ModelConfigException)], 10_000, (input, folder) =>
        {
            var path = Path.Combine(folder, "config.json");
            File.WriteAllBytes(path, input);
            _ = ModelConfig.Load(path);
        },
        ExtraSeeds: () =>
        {
            TorchSharpLoader.EnsureLoaded();
            return [.. TinyModelFactory.Families.Select(family =>
            {
                using var model = TinyModelFactory.Create(family);
                return Encoding.UTF8.GetBytes(model.ConfigJson);
            })];
        }),
        new("tokenizer-json", "tokenizer.json", [typeof(TokenizerException)], 2_000, (input, folder) =>
        {
            File.WriteAllBytes(Path.Combine(folder, "tokenizer.json"), input);
            Exercise(CheckpointTokenizer.Load(folder));
        }),
        new("sentencepiece-model", "tokenizer.model", [typeof(TokenizerException)], 2_000, (input, folder) =>
        {
            File.WriteAllBytes(Path.Combine(folder, "tokenizer.model"), input);
            Exercise(CheckpointTokenizer.Load(folder));
        }),
        new("tokenizer-config", "tokenizer_config.json", [typeof(TokenizerException), typeof(ChatTemplateException)], 2_000, (input, folder) =>
        {
            File.WriteAllBytes(Path.Combine(folder, "tokenizer_config.json"), input);
            Exercise(CheckpointTokenizer.Load(folder));
            if (ChatTemplate.Exists(folder))
            {
                _ = ChatTemplate.Load(folder).Render([ChatMessage.System("Be brief."), ChatMessage.User("Hello"), ChatMessage.Assistant("Hi"), ChatMessage.User("Again")]);
            }
        },
        PrepareFolder: folder => File.Copy(Stories260K("tokenizer.json"), Path.Combine(folder, "tokenizer.json"))),
        new("vocab-txt", "vocab.txt", [typeof(TokenizerException)], 1_000, (input, folder) =>
        {
            File.WriteAllBytes(Path.Combine(folder, "vocab.txt"), input);
            Exercise(CheckpointTokenizer.Load(folder));
        }),
        new("adapter-config", "adapter_config.json", [typeof(AdapterFormatException)], 3_000, (input, folder) =>
        {
            File.WriteAllBytes(Path.Combine(folder, PeftAdapterFormat.ConfigFile), input);
            LoadAdapter(folder);
        },
        ExtraSeeds: () => [File.ReadAllBytes(Path.Combine(AdapterFixture.Folder, PeftAdapterFormat.ConfigFile))],
        PrepareFolder: folder => File.Copy(Path.Combine(AdapterFixture.Folder, PeftAdapterFormat.WeightsFile), Path.Combine(folder, PeftAdapterFormat.WeightsFile))),
        new("adapter-weights", "adapter_model.safetensors", [typeof(AdapterFormatException), typeof(SafetensorsFormatException)], 2_000, (input, folder) =>
        {
            File.WriteAllBytes(Path.Combine(folder, PeftAdapterFormat.WeightsFile), input);
            LoadAdapter(folder);
        },
        ExtraSeeds: () => [File.ReadAllBytes(Path.Combine(AdapterFixture.Folder, PeftAdapterFormat.WeightsFile))],
        PrepareFolder: folder => File.Copy(Path.Combine(AdapterFixture.Folder, PeftAdapterFormat.ConfigFile), Path.Combine(folder, PeftAdapterFormat.ConfigFile))),
    ];

    public static FuzzTarget Get(string name) => All.Single(t => t.Name == name);

    public static string Stories260K(string file) => Path.Combine(AppContext.BaseDirectory, "fixtures", "stories260K", file);

    private static void Exercise(CheckpointTokenizer tokenizer)
    {
        var ids = tokenizer.Encode(SampleText);
        _ = tokenizer.Decode(ids);
        _ = tokenizer.Decode(ids, includeSpecialTokens: true);
        var stream = tokenizer.CreateStreamDecoder();
        foreach (var id in ids)
        {
            _ = stream.Add(id);
        }

        _ = stream.Flush();
    }

    private static void LoadAdapter(string folder)
    {
        var model = AdapterFixture.Model.Model;
        using var adapters = LoraAdapterSet.Load(folder, model);
        adapters.DetachFrom(model);
    }
}
