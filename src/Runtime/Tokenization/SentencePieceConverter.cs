using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Tokenization;

/// <summary>
/// Turns a SentencePiece model into the tokenizer.json Hugging Face's converter (transformers'
/// <c>convert_slow_tokenizer</c>, Llama's legacy layout) makes of it: BPE with merges ordered by the score of the merged
/// piece, or Unigram with the scores; spaces as U+2581 with the dummy prefix; byte fallback; control and unknown pieces
/// as special added tokens, user-defined pieces as added tokens; BOS/EOS from the caller.
/// </summary>
internal static class SentencePieceConverter
{
    private const string Space = "\u2581";

    public static JsonObject ToTokenizerJson(SentencePieceModel model, bool addBos, bool addEos, string path)
    {
        if (model.ModelType is not (SentencePieceModelType.Bpe or SentencePieceModelType.Unigram))
        {
            throw new TokenizerException(path, $"SentencePiece model type {model.ModelType} is not supported (BPE and Unigram are)");
        }

        var added = new JsonArray();
        for (var id = 0; id < model.Pieces.Count; id++)
        {
            var piece = model.Pieces[id];
            if (piece.Type is SentencePieceType.Control or SentencePieceType.Unknown or SentencePieceType.UserDefined)
            {
                added.Add(new JsonObject
                {
                    ["id"] = id,
                    ["content"] = piece.Piece,
                    ["single_word"] = false,
                    ["lstrip"] = false,
                    ["rstrip"] = false,
                    ["normalized"] = false,
                    ["special"] = piece.Type != SentencePieceType.UserDefined,
                });
            }
        }

        var normalizers = new JsonArray();
        if (model.PrecompiledCharsmap.Length > 0)
        {
            normalizers.Add(new JsonObject { ["type"] = "Precompiled", ["precompiled_charsmap"] = Convert.ToBase64String(model.PrecompiledCharsmap) });
        }

        if (model.RemoveExtraWhitespaces)
        {
            normalizers.Add(Replace(new JsonObject { ["Regex"] = @"\A +| +\z" }, string.Empty));
            normalizers.Add(Replace(new JsonObject { ["Regex"] = " {2,}" }, " "));
        }

        JsonNode? preTokenizer = null;
        JsonObject modelJson;
        var unk = model.UnkId >= 0 && model.UnkId < model.Pieces.Count ? model.Pieces[model.UnkId].Piece : null;
        if (model.ModelType == SentencePieceModelType.Bpe)
        {
            if (model.AddDummyPrefix)
            {
                normalizers.Add(new JsonObject { ["type"] = "Prepend", ["prepend"] = Space });
            }

            normalizers.Add(Replace(new JsonObject { ["String"] = " " }, Space));
            modelJson = Bpe(model, unk);
        }
        else
        {
            preTokenizer = new JsonObject
            {
                ["type"] = "Metaspace",
                ["replacement"] = Space,
                ["prepend_scheme"] = model.AddDummyPrefix ? "always" : "never",
                ["split"] = true,
            };
            var vocab = new JsonArray();
            foreach (var piece in model.Pieces)
            {
                vocab.Add(new JsonArray(piece.Piece, (double)piece.Score));
            }

            modelJson = new JsonObject { ["type"] = "Unigram", ["unk_id"] = model.UnkId, ["vocab"] = vocab, ["byte_fallback"] = model.ByteFallback };
        }

        var decoders = new JsonArray
        {
            Replace(new JsonObject { ["String"] = Space }, " "),
            new JsonObject { ["type"] = "ByteFallback" },
            new JsonObject { ["type"] = "Fuse" },
        };
        if (model.AddDummyPrefix)
        {
            decoders.Add(new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 });
        }

        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = normalizers.Count == 0 ? null : new JsonObject { ["type"] = "Sequence", ["normalizers"] = normalizers },
            ["pre_tokenizer"] = preTokenizer,
            ["post_processor"] = Template(model, addBos, addEos),
            ["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = decoders },
            ["model"] = modelJson,
        };
    }

    private static JsonObject Bpe(SentencePieceModel model, string? unk)
    {
        var vocab = new JsonObject();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < model.Pieces.Count; id++)
        {
            var piece = model.Pieces[id].Piece;
            if (ids.TryAdd(piece, id))
            {
                vocab[piece] = id;
            }
        }

        // Every split of every piece into two pieces of the vocabulary is a merge, ranked by the merged piece's score
        // (highest first; a stable sort keeps vocabulary order among equal scores), then by the ids of its halves.
        var merges = new List<(string Left, string Right, float Score, int Order)>();
        var order = 0;
        foreach (var (piece, pieceId) in ids)
        {
            var local = new List<(string, string)>();
            for (var i = 1; i < piece.Length; i++)
            {
                if (char.IsLowSurrogate(piece[i]))
                {
                    continue;
                }

                var left = piece[..i];
                var right = piece[i..];
                if (ids.ContainsKey(left) && ids.ContainsKey(right))
                {
                    local.Add((left, right));
                }
            }

            local.Sort((a, b) => ids[a.Item1] != ids[b.Item1] ? ids[a.Item1].CompareTo(ids[b.Item1]) : ids[a.Item2].CompareTo(ids[b.Item2]));
            foreach (var (l, r) in local)
            {
                merges.Add((l, r, model.Pieces[pieceId].Score, order++));
            }
        }

        merges.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Order.CompareTo(b.Order));
        var mergeArray = new JsonArray();
        foreach (var (l, r, _, _) in merges)
        {
            mergeArray.Add(new JsonArray(l, r));
        }

        return new JsonObject
        {
            ["type"] = "BPE",
            ["dropout"] = null,
            ["unk_token"] = unk,
            ["continuing_subword_prefix"] = null,
            ["end_of_word_suffix"] = null,
            ["fuse_unk"] = true,
            ["byte_fallback"] = model.ByteFallback,
            ["ignore_merges"] = false,
            ["vocab"] = vocab,
            ["merges"] = mergeArray,
        };
    }

    private static JsonObject? Template(SentencePieceModel model, bool addBos, bool addEos)
    {
        var single = new JsonArray();
        var specials = new JsonObject();
        void Special(int id)
        {
            var piece = model.Pieces[id].Piece;
            single.Add(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = piece, ["type_id"] = 0 } });
            specials[piece] = new JsonObject { ["id"] = piece, ["ids"] = new JsonArray(id), ["tokens"] = new JsonArray(piece) };
        }

        var bos = addBos && model.BosId >= 0 && model.BosId < model.Pieces.Count;
        var eos = addEos && model.EosId >= 0 && model.EosId < model.Pieces.Count;
        if (bos)
        {
            Special(model.BosId);
        }

        single.Add(new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } });
        if (eos)
        {
            Special(model.EosId);
        }

        return new JsonObject { ["type"] = "TemplateProcessing", ["single"] = single, ["pair"] = new JsonArray(), ["special_tokens"] = specials };
    }

    private static JsonObject Replace(JsonObject pattern, string content) =>
        new() { ["type"] = "Replace", ["pattern"] = pattern, ["content"] = content };
}
