using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// A model's chat template: the Jinja subset real templates use (Llama 3.x, Gemma 2/3, Qwen2.5/3, Mistral Instruct,
/// SmolLM2, Phi-3), rendered as transformers renders it (<c>trim_blocks</c>, <c>lstrip_blocks</c>). Parsed once,
/// rendered many times; anything the interpreter does not support fails at parse or render time with a
/// <see cref="ChatTemplateException"/> naming the line and column.
/// </summary>
public sealed class ChatTemplate
{
    public const string ConfigFile = "tokenizer_config.json";
    public const string TemplateFile = "chat_template.jinja";

    /// <summary>The end-of-turn markers of the families served; those the template writes become stop tokens.</summary>
    private static readonly string[] KnownEndOfTurnTokens =
    [
        "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|im_end|>", "<|end|>", "<|endoftext|>", "<|end_of_text|>", "</s>",
    ];

    private readonly IReadOnlyList<TemplateNode> _nodes;

    private ChatTemplate(string text, string? source, IReadOnlyList<TemplateNode> nodes, string? bosToken, string? eosToken)
    {
        Text = text;
        Source = source;
        _nodes = nodes;
        BosToken = bosToken;
        EosToken = eosToken;
        var endOfTurn = KnownEndOfTurnTokens.Where(t => text.Contains(t, StringComparison.Ordinal)).ToList();
        if (eosToken is not null && text.Contains("eos_token", StringComparison.Ordinal) && !endOfTurn.Contains(eosToken))
        {
            endOfTurn.Add(eosToken);
        }

        EndOfTurnTokens = endOfTurn;
    }

    /// <summary>The template's source text.</summary>
    public string Text { get; }

    /// <summary>The file it was read from; null for <see cref="Parse"/>.</summary>
    public string? Source { get; }

    /// <summary><c>bos_token</c> of tokenizer_config.json, given to the template; null when there is none.</summary>
    public string? BosToken { get; }

    /// <summary><c>eos_token</c> of tokenizer_config.json, given to the template; null when there is none.</summary>
    public string? EosToken { get; }

    /// <summary>The token texts that end a turn in this template (<c>&lt;|eot_id|&gt;</c>, <c>&lt;end_of_turn&gt;</c>, …): stop tokens for a chat.</summary>
    public IReadOnlyList<string> EndOfTurnTokens { get; }

    /// <summary>Whether <paramref name="folder"/> holds a chat template (<c>chat_template.jinja</c>, or <c>chat_template</c> in tokenizer_config.json).</summary>
    public static bool Exists(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (File.Exists(Path.Combine(folder, TemplateFile)))
        {
            return true;
        }

        try
        {
            return ReadConfig(Path.Combine(folder, ConfigFile)) is { } config && config["chat_template"] is not null;
        }
        catch (ChatTemplateException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads the chat template of a checkpoint folder: <c>chat_template.jinja</c> when it exists, else <c>chat_template</c> of
    /// tokenizer_config.json (a string, or a list of named templates of which "default" is taken); <c>bos_token</c> and
    /// <c>eos_token</c> from tokenizer_config.json.
    /// </summary>
    /// <exception cref="ChatTemplateException">No template, malformed JSON, or a template the interpreter cannot parse.</exception>
    public static ChatTemplate Load(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        cancellationToken.ThrowIfCancellationRequested();
        var configPath = Path.Combine(folder, ConfigFile);
        var config = ReadConfig(configPath);
        var bos = TokenText(config?["bos_token"]);
        var eos = TokenText(config?["eos_token"]);
        var jinjaPath = Path.Combine(folder, TemplateFile);
        if (File.Exists(jinjaPath))
        {
            return Parse(File.ReadAllText(jinjaPath), bos, eos, jinjaPath);
        }

        if (config is null)
        {
            throw new ChatTemplateException(configPath, 0, 0, $"the model has no chat template: neither {ConfigFile} nor {TemplateFile} exists in {folder}");
        }

        var text = config["chat_template"] switch
        {
            null => throw new ChatTemplateException(configPath, 0, 0, $"the model has no chat template: {ConfigFile} has no chat_template and there is no {TemplateFile}"),
            JsonValue value when value.TryGetValue<string>(out var s) => s,
            JsonArray named => NamedDefault(named, configPath),
            var other => throw new ChatTemplateException(configPath, 0, 0, $"chat_template must be a string or a list of named templates, found {other.ToJsonString()}"),
        };
        return Parse(text, bos, eos, configPath);
    }

    /// <summary>Parses template text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ChatTemplateException">The template uses something the interpreter does not support, or is malformed.</exception>
    public static ChatTemplate Parse(string text, string? bosToken = null, string? eosToken = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ChatTemplate(text, source, TemplateParser.Parse(text, source), bosToken, eosToken);
    }

    /// <summary>
    /// Renders the conversation. The template sees <c>messages</c> (dictionaries with <c>role</c> and <c>content</c>),
    /// <c>add_generation_prompt</c>, <c>bos_token</c>, <c>eos_token</c>, and <paramref name="variables"/> (which may
    /// override any of them, e.g. <c>tools</c>, <c>enable_thinking</c>, <c>date_string</c>).
    /// </summary>
    /// <exception cref="ChatTemplateException">The template raised (<see cref="ChatTemplateException.IsRaisedByTemplate"/>) or failed.</exception>
    public string Render(
        IReadOnlyList<ChatMessage> messages,
        bool addGenerationPrompt = true,
        IReadOnlyDictionary<string, object?>? variables = null,
        TimeProvider? time = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var all = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages.Select(m => (object?)m.ToTemplateValue()).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        if (BosToken is not null)
        {
            all["bos_token"] = BosToken;
        }

        if (EosToken is not null)
        {
            all["eos_token"] = EosToken;
        }

        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
        {
            all[name] = value;
        }

        return new TemplateEvaluator(Source, time ?? TimeProvider.System, cancellationToken).Render(_nodes, all);
    }

    private static JsonObject? ReadConfig(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new ChatTemplateException(path, 0, 0, "expected a JSON object at the top level");
        }
        catch (JsonException e)
        {
            throw new ChatTemplateException(path, 0, 0, $"malformed JSON: {e.Message}", inner: e);
        }
    }

    private static string NamedDefault(JsonArray named, string path)
    {
        foreach (var item in named)
        {
            if (item is JsonObject entry && entry["name"]?.GetValue<string>() == "default" && entry["template"] is JsonValue t && t.TryGetValue<string>(out var text))
            {
                return text;
            }
        }

        var names = string.Join(", ", named.OfType<JsonObject>().Select(e => e["name"]?.ToJsonString() ?? "?"));
        throw new ChatTemplateException(path, 0, 0, $"chat_template lists named templates ({names}) but none is named \"default\"");
    }

    private static string? TokenText(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonObject o when o["content"] is JsonValue c && c.TryGetValue<string>(out var s) => s,
        _ => null,
    };
}
