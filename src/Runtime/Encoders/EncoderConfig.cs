using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Configuration;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>The configuration of a BERT-style encoder: the parsed config.json and the few keys only encoders use.</summary>
public sealed record EncoderConfig
{
    public required ModelConfig Model { get; init; }

    public required EncoderFamily Family { get; init; }

    /// <summary><c>pad_token_id</c> (RoBERTa counts positions from it).</summary>
    public required long PadTokenId { get; init; }

    /// <summary>True for <c>gelu_new</c>/<c>gelu_pytorch_tanh</c> (tanh approximation); false for exact-erf <c>gelu</c>.</summary>
    public required bool TanhGelu { get; init; }

    /// <summary>Tokens a text can use, from <c>max_position_embeddings</c> (less RoBERTa's offset).</summary>
    public long MaxTokens => Family.UsablePositions(Model.MaxPositionEmbeddings ?? 512, PadTokenId);

    /// <summary>Reads config.json from a folder (or the file itself).</summary>
    public static EncoderConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = Directory.Exists(path) ? Path.Combine(path, "config.json") : path;
        var model = ModelConfig.Load(path);
        var text = Inputs.InputFile.ReadAllText(file, Directory.Exists(path) ? path : null, Inputs.InputFile.MaxConfigBytes,
            (reason, inner) => new ModelConfigException(file, null, reason, inner));
        return Parse(text, file, model);
    }

    /// <summary>Parses the text of an encoder's config.json; <paramref name="source"/> names it in errors.</summary>
    public static EncoderConfig Parse(string json, string source = "config.json") => Parse(json, source, ModelConfig.Parse(json, source));

    private static EncoderConfig Parse(string json, string source, ModelConfig model)
    {
        var family = EncoderFamily.Find(model.ModelType)
            ?? throw new ModelConfigException(source, "model_type", $"is '{model.ModelType}'; the sentence encoder runs {string.Join(", ", EncoderFamily.All.Select(f => f.ModelType))}");
        var root = JsonNode.Parse(json, documentOptions: Inputs.JsonInput.Options)!.AsObject();
        var reader = new ConfigReader(root, source);
        var positions = reader.String("position_embedding_type") ?? "absolute";
        if (positions != "absolute")
        {
            throw reader.Error("position_embedding_type", $"is '{positions}'; only absolute position embeddings are supported");
        }

        var tanh = model.Activation switch
        {
            "gelu" => false,
            "gelu_new" or "gelu_pytorch_tanh" => true,
            _ => throw reader.Error("hidden_act", $"is '{model.Activation}'; the encoder runs gelu (exact) and gelu_new/gelu_pytorch_tanh"),
        };

        if (model.MaxPositionEmbeddings is null)
        {
            throw reader.Error("max_position_embeddings", "is required for an encoder (it sizes the position table)");
        }

        return new EncoderConfig
        {
            Model = model,
            Family = family,
            PadTokenId = reader.Integer("pad_token_id") ?? family.DefaultPadTokenId,
            TanhGelu = tanh,
        };
    }
}
