using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PrecisionAnalyzers.Runtime.Models;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// What a chat needs besides the decoder: the checkpoint's template, tokenizer and generation_config.json. Renders and
/// encodes a conversation (one BOS: a template that writes <c>bos_token</c> gets none from the tokenizer), knows the stop
/// tokens (every <c>eos_token_id</c> and the template's end-of-turn tokens), and turns <see cref="ChatOptions"/> into
/// <see cref="GenerationOptions"/> with the checkpoint's sampling defaults.
/// </summary>
public sealed class ChatFormatter
{
    private readonly ILogger _logger;

    public ChatFormatter(ChatTemplate template, CheckpointTokenizer tokenizer, GenerationDefaults? defaults = null, ILogger? logger = null)
    {
        Template = template ?? throw new ArgumentNullException(nameof(template));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        Defaults = defaults ?? GenerationDefaults.None;
        _logger = logger ?? NullLogger.Instance;
        var stops = new List<int>();
        foreach (var id in Tokenizer.SpecialTokens.EosIds.Concat(Defaults.EosTokenIds))
        {
            if (!stops.Contains(id))
            {
                stops.Add(id);
            }
        }

        foreach (var token in Template.EndOfTurnTokens)
        {
            if (Tokenizer.TokenToId.TryGetValue(token, out var id) && !stops.Contains(id))
            {
                stops.Add(id);
            }
        }

        StopTokenIds = stops;
    }

    public ChatTemplate Template { get; }

    public CheckpointTokenizer Tokenizer { get; }

    public GenerationDefaults Defaults { get; }

    /// <summary>Generation stops after any of these: generation_config.json's and the tokenizer's EOS ids, and the template's end-of-turn tokens.</summary>
    public IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>Loads the template, tokenizer and generation_config.json of a checkpoint folder.</summary>
    /// <exception cref="ChatTemplateException">The folder has no chat template, or it cannot be parsed.</exception>
    /// <exception cref="TokenizerException">The folder has no tokenizer the runtime reads.</exception>
    public static ChatFormatter Load(string folder, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var template = ChatTemplate.Load(folder, cancellationToken);
        var tokenizer = CheckpointTokenizer.Load(folder, logger, cancellationToken);
        var formatter = new ChatFormatter(template, tokenizer, GenerationDefaults.Load(folder), logger);
        (logger ?? NullLogger.Instance).LogInformation(
            "Chat template from {Source}; stop tokens {Stops}", template.Source, string.Join(",", formatter.StopTokenIds));
        return formatter;
    }

    /// <summary>Renders <paramref name="messages"/> with the template and encodes the text.</summary>
    /// <exception cref="ChatTemplateException">The template raised (e.g. roles that do not alternate) or failed.</exception>
    public ChatPrompt Format(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, IReadOnlyDictionary<string, object?>? variables = null, CancellationToken cancellationToken = default)
    {
        var text = Template.Render(messages, addGenerationPrompt, variables, cancellationToken: cancellationToken);
        return new ChatPrompt(text, Encode(text));
    }

    /// <summary>
    /// Encodes rendered text as transformers' <c>apply_chat_template</c> does (<c>add_special_tokens=False</c>): the
    /// tokenizer adds no BOS of its own; a BOS the template writes as text becomes the BOS id, once.
    /// </summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var special = Tokenizer.SpecialTokens;
        var bos = special.BosId;
        var bosText = bos is int id ? Tokenizer.IdToToken(id) : null;
        var writesBos = bosText is not null && text.StartsWith(bosText, StringComparison.Ordinal);
        var ids = Tokenizer.Encode(writesBos ? text[bosText!.Length..] : text);
        var skip = special.AddBos && ids.Length > 0 && ids[0] == bos ? 1 : 0;
        if (writesBos)
        {
            _logger.LogDebug("The template writes {Bos}: one BOS id, none added by the tokenizer", bosText);
            return [bos!.Value, .. ids.AsSpan(skip)];
        }

        return ids.AsSpan(skip).ToArray();
    }

    /// <summary>Generation options: <paramref name="options"/>' values, else generation_config.json's (when it samples), and the stop tokens.</summary>
    public GenerationOptions GenerationOptions(ChatOptions? options)
    {
        options ??= new ChatOptions();
        var sample = options.Temperature is > 0 || (options.Temperature is null && Defaults.DoSample);
        return new GenerationOptions
        {
            MaxNewTokens = options.MaxNewTokens,
            Temperature = options.Temperature ?? (Defaults.DoSample ? Defaults.Temperature ?? 1.0 : 0),
            TopP = options.TopP ?? (sample ? Defaults.TopP : null),
            TopK = options.TopK ?? (sample ? Defaults.TopK is > 0 ? Defaults.TopK : null : null),
            Seed = options.Seed,
            StopTokenIds = StopTokenIds.ToArray(),
            ContextOverflow = options.ContextOverflow,
        };
    }
}
