using PrecisionAnalyzers.Runtime.Chat;

namespace PrecisionAnalyzers.Runtime.Tests.Chat;

/// <summary>
/// The interpreter where Jinja2 (which transformers renders with) and @huggingface/jinja differ, loading, and errors.
/// The agreement with @huggingface/jinja is in <see cref="ChatTemplateReferenceTests"/> and <see cref="ChatTemplateFeatureTests"/>.
/// </summary>
public sealed class ChatTemplateTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chat-template-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Render(string template, IReadOnlyDictionary<string, object?>? variables = null) =>
        ChatTemplate.Parse(template).Render([], addGenerationPrompt: false, variables);

    [Theory]
    [InlineData("{{ true }} {{ false }} {{ none }}", "True False None")] // Python's str(); @huggingface/jinja writes true, false and nothing
    [InlineData("{{ -7 % 3 }} {{ 7 % -3 }} {{ -7 // 2 }}", "2 -2 -4")] // Python's modulo and floor division; @huggingface/jinja gives JavaScript's -1
    [InlineData("{{ 'hello WORLD' | capitalize }}", "Hello world")] // Python lower-cases the rest; @huggingface/jinja keeps it
    [InlineData("{{ 'xxhixx'.strip('x') }}", "hi")] // @huggingface/jinja ignores the characters argument
    [InlineData("{{ 'T' if [1, 'a'] == [1, 'a'] and {'a': 1} == {'a': 1} }}", "T")] // structural equality, as Python (Mistral v0.3 compares messages)
    [InlineData("{{ 'ab' * 3 }}", "ababab")]
    [InlineData("{{ 6 is divisibleby(3) }}", "True")]
    [InlineData("{{ [1, 'a', none] }}", "[1, 'a', None]")]
    [InlineData("{{ 7 / 2 }} {{ 4 / 2 }} {{ 2.0 }}", "3.5 2.0 2.0")]
    public void Follows_jinja2_where_the_javascript_port_differs(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Fact]
    public void Strftime_now_uses_the_given_clock()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 3, 9, 14, 5, 0, TimeSpan.Zero));
        var text = ChatTemplate.Parse("{{ strftime_now('%d %b %Y %H:%M') }}").Render([], time: clock);
        Assert.Equal("09 Mar 2026 14:05", text);
    }

    [Fact]
    public void Raise_exception_is_a_typed_error_with_the_place()
    {
        var template = ChatTemplate.Parse("line one\n  {{ raise_exception('roles must alternate') }}");
        var e = Assert.Throws<ChatTemplateException>(() => template.Render([ChatMessage.User("x")]));
        Assert.True(e.IsRaisedByTemplate);
        Assert.Equal("roles must alternate", e.Reason);
        Assert.Equal((2, 6), (e.Line, e.Column));
    }

    [Theory]
    [InlineData("{% include 'x' %}", 1, 4, "the statement 'include' is not supported (supported: if, for, set, macro, break, continue)")]
    [InlineData("a\n{{ x | frobnicate }}", 2, 6, "the filter 'frobnicate' is not supported")]
    [InlineData("{% if x %}never closed", 1, 1, "this block is never closed with '{% endif %}'")]
    [InlineData("{{ 'unterminated }}", 1, 4, "the string starting here is never closed")]
    [InlineData("{{ x is frobbed }}", 1, 6, "the test 'frobbed' is not supported")]
    [InlineData("{% for m in messages %}\n{% endif %}", 2, 4, "unexpected '{% endif %}': no open block here that it belongs to")]
    [InlineData("ok {{ messages[0] }", 1, 4, "the tag opened here is never closed with '}}'")]
    [InlineData("{{ 'a'.zfill(3) }}", 1, 8, "'zfill' is undefined: the function or method is not supported")]
    [InlineData("{{ 1 + 'a' }}", 1, 6, "unsupported operand types for +: integer and string")]
    public void Unsupported_or_malformed_templates_fail_with_line_and_column(string template, int line, int column, string reason)
    {
        var e = Assert.Throws<ChatTemplateException>(() => Render(template));
        Assert.Equal(reason, e.Reason);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.False(e.IsRaisedByTemplate);
        Assert.Contains($"line {line}, column {column}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "macro 'f' nested more than 64 calls deep")]
    [InlineData("{% for i in range(10000000) %}{% endfor %}", "range() of more than 1000000 items")]
    [InlineData("{{ 'abc' * 100000000 }}", "a repeated string of more than 1000000 characters")]
    public void A_template_cannot_exhaust_the_stack_or_memory(string template, string reason) =>
        Assert.Equal(reason, Assert.Throws<ChatTemplateException>(() => Render(template)).Reason);

    [Fact]
    public void Errors_name_the_template_file()
    {
        File.WriteAllText(Path.Combine(_folder, "chat_template.jinja"), "{% for m in messages %}\n{{ m | nope }}\n{% endfor %}");

        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Load(_folder).Render([ChatMessage.User("x")]));

        Assert.Equal(Path.Combine(_folder, "chat_template.jinja"), e.FilePath);
        Assert.StartsWith("chat_template.jinja (chat template), line 2, column 6: the filter 'nope' is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loads_the_chat_template_of_a_folder_with_its_bos_and_eos()
    {
        File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"),
            """{"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "chat_template": "{{ bos_token }}{% for m in messages %}[{{ m.content }}]{{ eos_token }}{% endfor %}"}""");

        var template = ChatTemplate.Load(_folder);

        Assert.Equal("<s>[hi]</s>", template.Render([ChatMessage.User("hi")]));
        Assert.Equal(["</s>"], template.EndOfTurnTokens);
        Assert.True(ChatTemplate.Exists(_folder));
    }

    [Fact]
    public void A_list_of_named_templates_gives_the_default_one()
    {
        File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"),
            """{"chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "<|im_start|>{{ messages[0].content }}<|im_end|>"}]}""");

        var template = ChatTemplate.Load(_folder);

        Assert.Equal("<|im_start|>q<|im_end|>", template.Render([ChatMessage.User("q")]));
        Assert.Equal(["<|im_end|>"], template.EndOfTurnTokens);
    }

    [Fact]
    public void Chat_template_jinja_beside_the_config_wins()
    {
        File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"), """{"eos_token": "<end_of_turn>", "chat_template": "from config"}""");
        File.WriteAllText(Path.Combine(_folder, "chat_template.jinja"), "from file {{ eos_token }}\n");

        Assert.Equal("from file <end_of_turn>", ChatTemplate.Load(_folder).Render([]));
    }

    [Fact]
    public void A_folder_without_a_template_is_a_clear_error()
    {
        File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"), """{"eos_token": "</s>"}""");

        var e = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Load(_folder));

        Assert.False(ChatTemplate.Exists(_folder));
        Assert.Contains("has no chat_template", e.Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer_config.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Caller_variables_reach_the_template_and_can_override_defaults()
    {
        var template = ChatTemplate.Parse("{{ bos_token }}|{{ tools | length }}|{{ 'gen' if add_generation_prompt else 'none' }}", bosToken: "<bos>");
        var text = template.Render([], addGenerationPrompt: true, new Dictionary<string, object?>
        {
            ["bos_token"] = "<B>",
            ["tools"] = new List<object?> { new Dictionary<string, object?> { ["name"] = "f" } },
        });
        Assert.Equal("<B>|1|gen", text);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }
}
