using System.Security.Cryptography;
using System.Text;

namespace PrecisionAnalyzers.Server;

/// <summary>
/// Checks <c>Authorization: Bearer KEY</c> against the configured key in constant time: both are hashed (SHA-256, so
/// lengths leak nothing) and compared with <see cref="CryptographicOperations.FixedTimeEquals"/>.
/// </summary>
internal sealed class ApiKeyCheck
{
    private readonly byte[] _expected;

    public ApiKeyCheck(string key)
    {
        _expected = SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>Whether <paramref name="authorization"/> (the header's value) carries the key.</summary>
    public bool Allows(string? authorization)
    {
        const string scheme = "Bearer ";
        var presented = authorization is not null && authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            ? authorization[scheme.Length..].Trim()
            : string.Empty;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(hash, _expected) & presented.Length > 0;
    }
}
