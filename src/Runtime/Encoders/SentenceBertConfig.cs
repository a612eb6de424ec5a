using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary><c>sentence_bert_config.json</c> of the transformer folder: the longest input in tokens, when given.</summary>
public sealed record SentenceBertConfig(long? MaxSeqLength)
{
    public const string FileName = "sentence_bert_config.json";

    public static SentenceBertConfig Load(string folder)
    {
        var file = Path.Combine(folder, FileName);
        if (!Inputs.InputFile.IsPresent(file))
        {
            return new SentenceBertConfig((long?)null);
        }

        var text = Inputs.InputFile.ReadAllText(file, folder, Inputs.InputFile.MaxConfigBytes, (reason, inner) => new SentenceModelException(file, reason, inner));
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(text, documentOptions: Inputs.JsonInput.Options);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new SentenceModelException(file, Inputs.JsonInput.Describe(e), e);
        }

        var node = parsed as JsonObject ?? throw new SentenceModelException(file, "must hold a JSON object");
        return node["max_seq_length"] switch
        {
            null => new SentenceBertConfig((long?)null),
            JsonValue v when v.TryGetValue<long>(out var n) && n > 0 => new SentenceBertConfig(n),
            _ => throw new SentenceModelException(file, "max_seq_length must be a positive integer"),
        };
    }
}
