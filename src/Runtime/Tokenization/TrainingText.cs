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

        Every checkpoint folder holds a configuration file, one or more weight files, and the files of the
        tokenizer. The configuration names the family of the model, the number of layers and heads, the width of
        the hidden state, the size of the vocabulary, and often the format the weights were saved in. Reading it
        first lets the planner estimate memory before a single weight is loaded.

        Attention lets each position look back at the positions before it. Queries meet keys, the scores pass
        through a softmax, and the values are mixed by those weights. Rotary position embeddings turn queries and
        keys by an angle that grows with the position, so the model can tell near words from far ones. Some
        families use a sliding window, so that a layer only looks back a fixed distance; others alternate local
        and global layers; a few soften the scores with a cap before the softmax.

        Generation proceeds one token at a time. The prompt is processed in a single pass, called prefill, which
        fills the cache; afterwards each new token needs only one short step, called decode, which reads every
        weight once. Decoding speed is therefore limited by memory bandwidth more than by arithmetic. Sampling
        with temperature, top k and top p makes the output varied; greedy decoding always picks the most likely
        token and gives the same text every time. Stop tokens end the answer early.

        Friendly reminders for engineers: measure before optimizing, write the test before the fix, keep each
        function short, name things after what they are, and explain every warning in words a user understands.
        Small steps, frequent commits, clear messages. When something fails, say which file, which line, which
        value, and what was expected instead. Nobody enjoys guessing why a build broke at midnight.

        Weather notes from a quiet village: Monday was cold and bright, Tuesday brought rain from the west,
        Wednesday was windy, Thursday cleared by noon, Friday stayed warm until evening, Saturday the market was
        busy with fruit, bread, cheese, flowers and fish, and on Sunday the children played football in the park
        while their parents talked about gardens, holidays, neighbours, prices and the long summer ahead.
        """;
}
