// Stand-in for Microsoft.ML.Tokenizers (the types the GenAI stand-ins name): signatures only.
// Compiled with every corpus case, never into the test project.
namespace Microsoft.ML.Tokenizers
{
    public abstract class Tokenizer
    {
    }

    public sealed class LlamaTokenizer : Tokenizer
    {
    }

    public sealed class TiktokenTokenizer : Tokenizer
    {
    }
}
