using Microsoft.Extensions.Logging;
using PrecisionAnalyzers.Runtime;
using PrecisionAnalyzers.Runtime.Chat;
using PrecisionAnalyzers.Runtime.Diagnostics;
using PrecisionAnalyzers.Runtime.Planning;
using PrecisionAnalyzers.Runtime.Tokenization;

namespace PrecisionAnalyzers.Server;

/// <summary>
/// The language model behind the generation routes: the loaded <see cref="CausalLM"/>, its tokenizer, the chat formatter
/// (the checkpoint's template, or, for a model without one, a plain template that joins the messages' text), and the
/// context a request must fit in.
/// </summary>
public sealed class ServedModel
{
    /// <summary>The template for models without a chat template: the messages' contents, one a line, after a BOS.</summary>
    public const string PlainTemplate = "{{ bos_token }}{% for message in messages %}{{ message['content'] }}{% if not loop.last %}\n{% endif %}{% endfor %}";

    /// <summary>Used when neither --context nor max_position_embeddings gives a context.</summary>
    public const int DefaultContext = 4096;

    private ServedModel(CausalLM model, string id, CheckpointTokenizer tokenizer, ChatFormatter chat, bool hasChatTemplate, int context)
    {
        Model = model;
        Id = id;
        Tokenizer = tokenizer;
        Chat = chat;
        HasChatTemplate = hasChatTemplate;
        Context = context;
        CompletionStops = tokenizer.SpecialTokens.EosIds.Concat(chat.Defaults.EosTokenIds).Distinct().ToArray();
    }

    public CausalLM Model { get; }

    /// <summary>The id clients name in <c>model</c> (the folder's name).</summary>
    public string Id { get; }

    public CheckpointTokenizer Tokenizer { get; }

    public ChatFormatter Chat { get; }

    /// <summary>False when the checkpoint has no chat template and <see cref="PlainTemplate"/> stands in.</summary>
    public bool HasChatTemplate { get; }

    /// <summary>Prompt plus answer must fit in this many tokens.</summary>
    public int Context { get; }

    /// <summary>The tokens that end a plain completion (the tokenizer's and generation_config.json's EOS ids).</summary>
    public IReadOnlyList<int> CompletionStops { get; }

    public string Dtype => DtypeRules.Name(Model.Dtype);

    /// <summary>Wraps a model loaded from its folder with <see cref="CausalLM.Load"/>.</summary>
    /// <exception cref="TokenizerException">The folder has no tokenizer the runtime reads.</exception>
    /// <exception cref="ChatTemplateException">The folder's chat template cannot be parsed.</exception>
    public static ServedModel Create(CausalLM model, string? id = null, int? context = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var folder = model.Folder ?? throw new ArgumentException("the served model must be loaded from a checkpoint folder (CausalLM.Load).", nameof(model));
        var tokenizer = CheckpointTokenizer.Load(folder, logger, cancellationToken);
        var hasTemplate = ChatTemplate.Exists(folder);
        var template = hasTemplate
            ? ChatTemplate.Load(folder, cancellationToken)
            : ChatTemplate.Parse(PlainTemplate, tokenizer.SpecialTokens.BosId is int bos ? tokenizer.IdToToken(bos) : null, source: "precision serve's plain template (the checkpoint has none)");
        var chat = new ChatFormatter(template, tokenizer, GenerationDefaults.Load(folder), logger);
        model.ChatFormatter = chat;
        var trained = model.ContextLength is { } c ? (int)Math.Min(c, int.MaxValue) : (int?)null;
        var served = (context, trained) switch
        {
            ({ } asked, { } limit) => Math.Min(asked, limit),
            ({ } asked, null) => asked,
            (null, { } limit) => limit,
            _ => DefaultContext,
        };
        return new ServedModel(model, id ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))), tokenizer, chat, hasTemplate, served);
    }

    /// <summary>The PREC1xx warnings every answer carries: those of loading (the plan's).</summary>
    public IReadOnlyList<PrecisionWarning> LoadWarnings => Model.LoadWarnings;
}
