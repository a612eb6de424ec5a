using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PrecisionAnalyzers.Tests.Shared;

namespace PrecisionAnalyzers.Cli.Tests;

/// <summary><c>precision chat</c> driven through redirected input, and <c>run --chat</c>, on a tiny llama with SmolLM2's real template.</summary>
public sealed partial class ChatCommandTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private string Model(string? template = ChatModelFixture.SmolLM2Template) =>
        ChatModelFixture.Write(Path.Combine(_root.Path, "chat-model"), template);

    private static async Task<(int Code, string Output, string Error)> ChatAsync(TextReader input, TextWriter output, params string[] args)
    {
        using var error = new StringWriter();
        var code = await PrecisionApp.RunAsync(["chat", .. args], input, output, error, CancellationToken.None);
        return (code, output.ToString()!, error.ToString());
    }

    [Fact]
    public async Task A_session_keeps_history_and_obeys_reset_system_and_exit()
    {
        var folder = Model();
        var input = new StringReader("hello\n\nhello world\n/system Be brief.\nhello\n/reset\nhello\n/bogus\n/exit\nnever read\n");

        var (code, output, error) = await ChatAsync(input, new StringWriter(), folder, "--dtype", "float32", "--max-new-tokens", "3", "--temperature", "0");

        Assert.True(code == 0, error);
        var prompts = PromptLengths().Matches(output).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4, prompts.Length);
        // "hello" with SmolLM2's default system prompt; the second turn carries the first one.
        Assert.True(prompts[1] > prompts[0] + 3, output);
        // "Be brief." replaces the default system prompt and the history stays; after /reset only the system prompt is left.
        Assert.True(prompts[2] > prompts[3] + 10, output);
        Assert.True(prompts[3] < prompts[0], output);
        Assert.Contains("(system prompt: Be brief.)", output, StringComparison.Ordinal);
        Assert.Contains("(conversation cleared)", output, StringComparison.Ordinal);
        Assert.Contains("unknown command /bogus", output, StringComparison.Ordinal);
        Assert.Contains("chat template from tokenizer_config.json; greedy", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task End_of_input_ends_the_session()
    {
        var (code, output, error) = await ChatAsync(new StringReader("hello\n"), new StringWriter(), Model(), "--dtype", "float32", "--max-new-tokens", "2");

        Assert.True(code == 0, error);
        Assert.Single(PromptLengths().Matches(output));
    }

    [Fact]
    public async Task Ctrl_c_stops_the_answer_not_the_session()
    {
        var input = new ArmingReader("hello\n/exit\n");
        var output = new InterruptingWriter(input);

        var (code, text, error) = await ChatAsync(input, output, Model(), "--dtype", "float32", "--max-new-tokens", "60", "--temperature", "0");

        Assert.True(code == 0, error);
        Assert.True(output.Interrupted);
        Assert.Contains("(answer stopped)", text, StringComparison.Ordinal);
        Assert.Empty(PromptLengths().Matches(text));
    }

    [Fact]
    public async Task A_model_without_a_chat_template_is_bad_input()
    {
        var folder = Model(template: null);

        var (code, output, error) = await ChatAsync(new StringReader("hello\n"), new StringWriter(), folder);
        var (runCode, _, runError) = await CliRunner.RunAsync("run", folder, "--chat", "--prompt", "hello");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("has no chat template", error, StringComparison.Ordinal);
        Assert.Equal(2, runCode);
        Assert.Contains("has no chat template", runError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_with_chat_renders_the_prompt_as_the_users_message()
    {
        var folder = Model();

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--chat", "--prompt", "hello", "--max-new-tokens", "4", "--dtype", "float32", "--json");
        var (plainCode, plainOutput, _) = await CliRunner.RunAsync("run", folder, "--prompt", "hello", "--max-new-tokens", "4", "--dtype", "float32", "--json");

        Assert.True(code == 0, error);
        Assert.Equal(0, plainCode);
        var ids = JsonDocument.Parse(output).RootElement.GetProperty("promptTokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(ChatModelFixture.ImStart, ids[0]);
        Assert.Equal(3, ids.Count(id => id == ChatModelFixture.ImStart));
        Assert.Equal(2, ids.Count(id => id == ChatModelFixture.ImEnd));
        Assert.Equal(new[] { 259 }, JsonDocument.Parse(plainOutput).RootElement.GetProperty("promptTokens").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task Template_variables_reach_the_template()
    {
        var folder = ChatModelFixture.Write(Path.Combine(_root.Path, "vars"), "{{ greeting }}{% if enable_thinking is false %} {{ messages[0].content }}{% endif %}");

        var (code, output, error) = await CliRunner.RunAsync("run", folder, "--chat", "--prompt", "hello", "--var", "greeting=hello", "--var", "enable_thinking=false", "--max-new-tokens", "1", "--dtype", "float32", "--json");
        var (badCode, _, badError) = await CliRunner.RunAsync("run", folder, "--prompt", "hello", "--var", "x=1");

        Assert.True(code == 0, error);
        Assert.Equal(new[] { 259, 32, 259 }, JsonDocument.Parse(output).RootElement.GetProperty("promptTokens").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(2, badCode);
        Assert.Contains("--var sets chat-template variables", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_with_chat_needs_a_text_prompt()
    {
        var (code, _, error) = await CliRunner.RunAsync("run", Model(), "--chat", "--prompt-tokens", "1,2");

        Assert.Equal(2, code);
        Assert.Contains("--chat needs", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_sampling_flags_are_bad_input()
    {
        var (code, _, error) = await ChatAsync(new StringReader(string.Empty), new StringWriter(), Model(), "--top-p", "1.5");

        Assert.Equal(2, code);
        Assert.Contains("--top-p", error, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"after a prompt of (\d+)")]
    private static partial Regex PromptLengths();

    /// <summary>Input that arms <see cref="InterruptingWriter"/> once the user's message has been read.</summary>
    private sealed class ArmingReader(string text) : StringReader(text)
    {
        private readonly System.Text.StringBuilder _line = new();

        public bool Armed { get; private set; }

        // The session reads its lines a character at a time (a line has a length limit), so the line ends at '\n' here.
        public override int Read()
        {
            var c = base.Read();
            if (c == '\n')
            {
                Armed = _line.ToString() == "hello";
                _line.Clear();
            }
            else if (c >= 0)
            {
                _line.Append((char)c);
            }

            return c;
        }
    }

    /// <summary>Presses Ctrl+C (through the same hook the console's handler uses) at the first streamed piece of an answer.</summary>
    private sealed class InterruptingWriter(ArmingReader input) : StringWriter
    {
        public bool Interrupted { get; private set; }

        public override void Write(string? value)
        {
            base.Write(value);
            if (input.Armed && !Interrupted && value is { Length: > 0 } && value != "> ")
            {
                Interrupted = ConsoleInterrupts.TryHandle();
            }
        }
    }
}
