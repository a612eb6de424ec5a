using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Runtime.Tests.Models;

internal static class TinyCheckpointWriterAccess
{
    /// <summary>A tiny llama checkpoint with a 512-token byte-level BPE tokenizer (the demo's shape).</summary>
    public static void WriteWithTokenizer(string folder) =>
        TinyCheckpointWriter.Write(folder, "llama", new TinyModelOptions { VocabSize = 512 }, writeTokenizer: true);
}
