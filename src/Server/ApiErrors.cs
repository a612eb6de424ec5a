using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace PrecisionAnalyzers.Server;

/// <summary>Writes OpenAI-style error bodies: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
internal static class ApiErrors
{
    public static JsonObject Body(string message, string type, string? param = null, string? code = null) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = type,
            ["param"] = param,
            ["code"] = code,
        },
    };

    public static Task Write(HttpContext http, ApiException error, int? retryAfterSeconds = null)
    {
        if (http.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        http.Response.StatusCode = (int)error.Status;
        if (retryAfterSeconds is { } seconds)
        {
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (error.Status == System.Net.HttpStatusCode.Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
        }

        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(Body(error.Message, error.Type, error.Param, error.Code).ToJsonString(), http.RequestAborted);
    }
}
