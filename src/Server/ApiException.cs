using System.Net;

namespace PrecisionAnalyzers.Server;

/// <summary>A request the API refuses, answered with an OpenAI-style <c>error</c> object and this status.</summary>
public sealed class ApiException : Exception
{
    public ApiException(HttpStatusCode status, string message, string type = "invalid_request_error", string? param = null, string? code = null)
        : base(message)
    {
        Status = status;
        Type = type;
        Param = param;
        Code = code;
    }

    public HttpStatusCode Status { get; }

    /// <summary>OpenAI's error type: <c>invalid_request_error</c>, <c>authentication_error</c>, <c>rate_limit_error</c>, <c>server_error</c>.</summary>
    public string Type { get; }

    /// <summary>The request field at fault, if one is.</summary>
    public string? Param { get; }

    public string? Code { get; }

    public static ApiException BadRequest(string message, string? param = null, string? code = null) => new(HttpStatusCode.BadRequest, message, param: param, code: code);
}
