namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>A function a template can call: a global (<c>raise_exception</c>, <c>namespace</c>, …), a macro or a bound method.</summary>
internal delegate object? TemplateCallable(IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> keyword, TemplatePosition at);
