using System.Buffers.Binary;
using Dispatch.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Dispatch.Server.Security;

/// <summary>
/// Refusals before a gRPC method runs (authorization, rate limits) answered the way the contract says: PublishAlert
/// with an <see cref="AlertAck"/> (NOT_AUTHENTICATED, or UNAVAILABLE with retry_after), every other gRPC method with a
/// status and a message instead of a bare HTTP status. Pages and REST keep the usual 401/403.
/// </summary>
public static class GrpcRefusals
{
    public const string PublishAlertMethod = "/dispatch.v1.CameraGateway/PublishAlert";

    public static bool IsGrpc(HttpContext http) =>
        http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true
        || http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null;

    public static bool IsPublishAlert(HttpContext http) => http.Request.Path.Equals(PublishAlertMethod, StringComparison.Ordinal);

    /// <summary>Answers a PublishAlert call with <paramref name="ack"/>, the alert id read from the request.</summary>
    public static async Task WriteAckAsync(HttpContext http, Func<string, AlertAck> ack)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(ack);
        var alertId = await ReadAlertIdAsync(http);
        var body = ack(alertId).ToByteArray();
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)body.Length);
        body.CopyTo(frame.AsSpan(5));
        await http.Response.Body.WriteAsync(frame, http.RequestAborted);
        http.Response.AppendTrailer("grpc-status", "0");
    }

    /// <summary>A trailers-only gRPC response with <paramref name="code"/> and <paramref name="message"/>.</summary>
    public static void WriteStatus(HttpContext http, StatusCode code, string message, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        if (retryAfter is { } wait)
        {
            http.Response.Headers["grpc-retry-pushback-ms"] = ((long)wait.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static AlertAck NotAuthenticated(string alertId, string message) => new()
    {
        AlertId = alertId,
        Outcome = AlertOutcome.Rejected,
        RejectReason = RejectReason.NotAuthenticated,
        Message = message,
    };

    public static AlertAck RateLimited(string alertId, string message, TimeSpan retryAfter) => new()
    {
        AlertId = alertId,
        Outcome = AlertOutcome.Rejected,
        RejectReason = RejectReason.Unavailable,
        Message = message,
        RetryAfter = Duration.FromTimeSpan(retryAfter),
    };

    /// <summary>The alert id of a unary PublishAlert request (empty when the body is not a readable Alert).</summary>
    private static async Task<string> ReadAlertIdAsync(HttpContext http)
    {
        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            if (bytes.Length < 5 || bytes.Span[0] != 0)
            {
                return "";
            }

            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.Span[1..]);
            return length <= bytes.Length - 5 ? Alert.Parser.ParseFrom(bytes.Span.Slice(5, length)).AlertId : "";
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or IOException or OperationCanceledException)
        {
            return "";
        }
    }
}

/// <summary>
/// Turns authorization refusals on gRPC methods into gRPC answers, and records every refused (forbidden) call of a
/// signed-in principal in the audit log; anonymous challenges are not audited (every page visit before sign-in is one).
/// </summary>
public sealed class DispatchAuthorizationResultHandler(SecurityAudit audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Forbidden)
        {
            await audit.RecordAsync(SecurityAudit.AccessDenied, context.User.Identity?.Name ?? "", $"{context.Request.Method} {context.Request.Path}",
                "missing role", SecurityAudit.RemoteOf(context));
        }

        if (authorizeResult.Succeeded || !GrpcRefusals.IsGrpc(context))
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var refusal = context.Items[GatewayAuthenticationHandler.FailureItem] as string;
        if (GrpcRefusals.IsPublishAlert(context))
        {
            var message = refusal ?? (authorizeResult.Forbidden
                ? "only a gateway may publish alerts"
                : "missing 'authorization: Bearer <credential>' and 'x-dispatch-gateway-id' metadata");
            await GrpcRefusals.WriteAckAsync(context, alertId => GrpcRefusals.NotAuthenticated(alertId, message));
            return;
        }

        if (authorizeResult.Forbidden)
        {
            GrpcRefusals.WriteStatus(context, StatusCode.PermissionDenied, $"'{context.User.Identity?.Name}' may not call {context.Request.Path}");
        }
        else
        {
            GrpcRefusals.WriteStatus(context, StatusCode.Unauthenticated, refusal ?? $"{context.Request.Path} needs credentials");
        }
    }
}
