using PrecisionAnalyzers.Runtime.Checkpoints;

namespace PrecisionAnalyzers.Runtime.Models;

/// <summary>
/// Saves a tiny model of <see cref="TinyModelFactory"/> in the real on-disk format: <c>config.json</c> and
/// <c>model.safetensors</c> (or shards with their index). The folder appears whole or not at all: everything is written into
/// a temporary sibling folder that is renamed into place at the end.
/// </summary>
public static class TinyCheckpointWriter
{
    /// <param name="folder">The folder to create; it must not exist, or be empty.</param>
    /// <param name="family">A family of <see cref="TinyModelFactory.Families"/>.</param>
    /// <param name="options">Seed, weights dtype, FP16 overflow.</param>
    /// <param name="maxShardBytes">Write shards of at most this many bytes and an index, instead of one file.</param>
    /// <param name="extraFiles">Further files to place beside the weights (e.g. a tokenizer), by name.</param>
    /// <param name="writeTokenizer">Also write a byte-level BPE tokenizer (tokenizer.json, tokenizer_config.json) of the model's vocabulary size.</param>
    /// <param name="cancellationToken">Cancels; nothing is left behind.</param>
    public static void Write(
        string folder,
        string family,
        TinyModelOptions? options = null,
        long? maxShardBytes = null,
        IReadOnlyDictionary<string, string>? extraFiles = null,
        bool writeTokenizer = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(family);
        using var model = TinyModelFactory.Create(family, options);
        AtomicFolder.Write(folder, temporary =>
        {
            File.WriteAllText(Path.Combine(temporary, "config.json"), model.ConfigJson);
            foreach (var (name, text) in extraFiles ?? new Dictionary<string, string>())
            {
                File.WriteAllText(Path.Combine(temporary, name), text);
            }

            if (writeTokenizer)
            {
                var special = Tokenization.TokenizerWriter.Write(temporary, (int)model.Config.VocabSize, cancellationToken);
                if (special.EosId is { } eos)
                {
                    File.WriteAllText(Path.Combine(temporary, "generation_config.json"), $"{{\n  \"eos_token_id\": {eos}\n}}\n");
                }
            }

            var metadata = new Dictionary<string, string> { ["format"] = "pt" };
            if (maxShardBytes is { } shard)
            {
                SafetensorsWriter.WriteSharded(temporary, model.Weights, shard, metadata, cancellationToken);
            }
            else
            {
                SafetensorsWriter.Write(Path.Combine(temporary, Checkpoint.SingleFile), model.Weights, metadata, cancellationToken);
            }
        });
    }
}
