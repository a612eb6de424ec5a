using System.Text.Json.Nodes;
using PrecisionAnalyzers.Runtime.Checkpoints;
using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Tests.Shared;

/// <summary>
/// Writes a tiny llama checkpoint that chats: random weights (fixed seed), the byte-level fixture tokenizer plus the
/// ChatML tokens of SmolLM2 (<c>&lt;|im_start|&gt;</c> 263, <c>&lt;|im_end|&gt;</c> 264) and a BOS <c>&lt;s&gt;</c> (265), and
/// SmolLM2-Instruct's real chat template in tokenizer_config.json.
/// </summary>
internal static class ChatModelFixture
{
    public const int ImStart = 263;
    public const int ImEnd = 264;
    public const int Bos = 265;
    public const int VocabularySize = 266;

    /// <summary>SmolLM2-Instruct's chat_template (tests/fixtures/chat/templates/smollm2).</summary>
    public const string SmolLM2Template =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    public static string Write(string folder, string? template = SmolLM2Template, string? generationConfig = null, bool writeBos = false)
    {
        Directory.CreateDirectory(folder);
        var config = $$"""{"model_type":"llama","hidden_size":32,"intermediate_size":64,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":{{VocabularySize}},"max_position_embeddings":256,"torch_dtype":"float32"}""";
        using (var model = TinyModelFactory.Random(config))
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), config);
            SafetensorsWriter.Write(Path.Combine(folder, Checkpoint.SingleFile), model.Weights);
        }

        ByteLevelTokenizerFixture.Write(folder);
        var tokenizerPath = Path.Combine(folder, "tokenizer.json");
        var tokenizer = JsonNode.Parse(File.ReadAllText(tokenizerPath))!.AsObject();
        var added = tokenizer["added_tokens"]!.AsArray();
        added.Add(new JsonObject { ["id"] = ImStart, ["content"] = "<|im_start|>", ["special"] = true });
        added.Add(new JsonObject { ["id"] = ImEnd, ["content"] = "<|im_end|>", ["special"] = true });
        added.Add(new JsonObject { ["id"] = Bos, ["content"] = "<s>", ["special"] = true });
        File.WriteAllText(tokenizerPath, tokenizer.ToJsonString());

        var tokenizerConfig = new JsonObject { ["bos_token"] = "<s>", ["eos_token"] = "<|im_end|>", ["add_bos_token"] = writeBos };
        if (template is not null)
        {
            tokenizerConfig["chat_template"] = template;
        }

        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), tokenizerConfig.ToJsonString());
        File.WriteAllText(Path.Combine(folder, "generation_config.json"), generationConfig ?? """{"eos_token_id": 262}""");
        return folder;
    }
}
