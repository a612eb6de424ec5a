namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>The fixed English text the demo tokenizer learns its merges from. Written for this project.</summary>
internal static class TrainingText
{
    public const string English = """
        The model reads the numbers in the checkpoint and turns them into words. Each layer of the model takes
        the hidden state, mixes it with what came before, and passes it on to the next layer. When the numbers
        grow too large for the chosen format, the state becomes infinite, and the answer is lost. That is why the
        runtime watches every layer and tells you where the trouble started.

        A small model is a good place to learn. It loads in a moment, it runs on the processor of any laptop, and
        it still has all the parts of a large one: the embedding table, the attention heads, the feed forward
        blocks, the normalization, and the final projection back to the vocabulary. If the small model gives the
        same answer in two formats, the large one probably will too, but only testing can show it.

        Precision matters because memory matters. Half precision needs half the memory of single precision, and
        brain float keeps the range of single precision while giving up some of its detail. Some processors
        compute with brain float quickly; others do not support it at all. The planner checks the device, reads
        the configuration, and chooses the format that fits, then explains its choice in plain words.

        Training is different from generation. During training the cache of keys and values is not needed, and
        keeping it only wastes memory. When the trainer saves a checkpoint, it writes the weights in the format
        they were trained in, so that the next run starts from exactly the same numbers.

        Tokenizers split text into pieces. Common words become single tokens, rare words break into smaller
        parts, and any text at all can be written with the two hundred and fifty six byte tokens. The merges
        learned from this paragraph and the others are what let frequent words such as the, and, model, layer,
        number and token take one or two tokens instead of one token for every letter.

        Questions are welcome: what is the weather like today? How many layers does this model have? Where
        should the next checkpoint be saved, and which format should it use? The answers depend on the
        hardware, on the size of the model, and on what you want to do with it.

        Numbers appear too: 1, 2, 3, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096. Dates such as 2024-05-17 and
        times such as 12:30 are split into digits and punctuation. Code looks like this: var model = Load(path);
        model.Generate(prompt, maxTokens: 32); if (result.IsFinite) { return result; } else { throw; }
        """;
}
