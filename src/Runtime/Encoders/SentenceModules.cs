using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Encoders;

/// <summary>
/// The module pipeline of a sentence-transformers folder, from <c>modules.json</c>. Module types are matched against a
/// fixed list of class names, never loaded by name: Transformer first, then Pooling, any Dense modules, then an optional Normalize.
/// A folder without modules.json is a plain transformers model: transformer, mean pooling, no normalisation.
/// </summary>
/// <param name="TransformerPath">Folder of the transformer (config.json, weights, tokenizer), absolute.</param>
/// <param name="PoolingPath">Folder of the pooling config, or null for mean pooling.</param>
/// <param name="DensePaths">Folders of the Dense modules after pooling, in order.</param>
/// <param name="Normalize">True when a Normalize module ends the pipeline.</param>
/// <param name="FromManifest">False when the folder had no modules.json.</param>
public sealed record SentenceModules(string TransformerPath, string? PoolingPath, IReadOnlyList<string> DensePaths, bool Normalize, bool FromManifest)
{
    public const string FileName = "modules.json";

    private enum Kind
    {
        Transformer,
        Pooling,
        Normalize,
        Dense,
    }

    // Both the classic and the reorganised sentence-transformers class paths.
    private static readonly Dictionary<string, Kind> KnownTypes = new(StringComparer.Ordinal)
    {
        ["sentence_transformers.models.Transformer"] = Kind.Transformer,
        ["sentence_transformers.models.Pooling"] = Kind.Pooling,
        ["sentence_transformers.models.Normalize"] = Kind.Normalize,
        ["sentence_transformers.models.Dense"] = Kind.Dense,
        ["sentence_transformers.sentence_transformer.modules.Transformer"] = Kind.Transformer,
        ["sentence_transformers.sentence_transformer.modules.Pooling"] = Kind.Pooling,
        ["sentence_transformers.sentence_transformer.modules.Normalize"] = Kind.Normalize,
        ["sentence_transformers.sentence_transformer.modules.Dense"] = Kind.Dense,
    };

    /// <summary>Reads the pipeline of <paramref name="folder"/>.</summary>
    public static SentenceModules Read(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new SentenceModelException(folder, "does not exist or is not a folder");
        }

        var file = Path.Combine(folder, FileName);
        if (!Inputs.InputFile.IsPresent(file))
        {
            if (Inputs.InputFile.IsPresent(Path.Combine(folder, "config.json")))
            {
                return new SentenceModules(Path.GetFullPath(folder), null, [], false, false);
            }

            throw new SentenceModelException(folder, "is neither a sentence-transformers folder (no modules.json) nor a transformers model folder (no config.json)");
        }

        JsonArray list;
        try
        {
            var text = Inputs.InputFile.ReadAllText(file, folder, Inputs.InputFile.MaxConfigBytes, (reason, inner) => new SentenceModelException(file, reason, inner));
            list = JsonNode.Parse(text, documentOptions: Inputs.JsonInput.Options) as JsonArray ?? throw new SentenceModelException(file, "must hold a JSON list of modules");
        }
        catch (JsonException e)
        {
            throw new SentenceModelException(file, Inputs.JsonInput.Describe(e), e);
        }

        var modules = new List<(Kind Kind, string Path, string Type)>();
        foreach (var node in list)
        {
            if (node is not JsonObject module || module["type"] is not JsonValue typeValue || !typeValue.TryGetValue<string>(out var type))
            {
                throw new SentenceModelException(file, "each module must be an object with a string \"type\"");
            }

            if (!KnownTypes.TryGetValue(type, out var kind))
            {
                throw new SentenceModelException(file, $"module type '{type}' is not supported; supported: Transformer, Pooling, Normalize (sentence_transformers.models.*)");
            }

            var relative = module["path"] is JsonValue p && p.TryGetValue<string>(out var s) ? s : "";
            var full = Path.GetFullPath(Path.Combine(folder, relative));
            var root = Path.GetFullPath(folder);
            if (!full.StartsWith(root, StringComparison.Ordinal))
            {
                throw new SentenceModelException(file, $"module path '{relative}' leaves the model folder");
            }

            modules.Add((kind, full, type));
        }

        var kinds = modules.Select(m => m.Kind).ToList();
        var denseCount = kinds.Skip(2).TakeWhile(k => k == Kind.Dense).Count();
        var tail = kinds.Skip(2 + denseCount).ToList();
        var valid = kinds.Count >= 2 && kinds[0] == Kind.Transformer && kinds[1] == Kind.Pooling
            && (tail.Count == 0 || (tail.Count == 1 && tail[0] == Kind.Normalize));
        if (!valid)
        {
            throw new SentenceModelException(file, $"the modules are [{string.Join(", ", kinds)}]; expected Transformer, Pooling, any Dense modules, and optionally Normalize, in that order");
        }

        return new SentenceModules(modules[0].Path, modules[1].Path, modules.Skip(2).Take(denseCount).Select(m => m.Path).ToArray(), tail.Count == 1, true);
    }
}
