using PrecisionAnalyzers.Runtime.Models;

namespace PrecisionAnalyzers.Runtime.Chat;

/// <summary>
/// One streamed token of an answer and the text it completes (empty while a character is still incomplete, and for the
/// end-of-turn token). <see cref="Restarted"/> is true on the first token of a run started again in a safer dtype after
/// an overflow: text streamed before it is void.
/// </summary>
public readonly record struct ChatToken(GeneratedToken Token, string Text, bool Restarted);
