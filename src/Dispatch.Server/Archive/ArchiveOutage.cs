namespace Dispatch.Server.Archive;

/// <summary>
/// An endpoint reading the alert archive or the video audit answers 503 with a retry hint while their database is down
/// (the cluster's PostgreSQL restarting, a failover), rather than 500: nothing is wrong with the request.
/// </summary>
public static partial class ArchiveOutage
{
    /// <summary>Seconds a client should wait before asking again.</summary>
    public const int RetryAfterSeconds = 5;

    public static RouteHandlerBuilder WithArchiveOutageAs503(this RouteHandlerBuilder endpoint) => endpoint.AddEndpointFilter(async (context, next) =>
    {
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (ArchiveDatabase.IsUnavailable(ex) && !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            var http = context.HttpContext;
            LogUnavailable(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ArchiveOutage)), http.Request.Path, ex);
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(
                // The database's own error (its address, its port) goes to the host's log, not to the client.
                new { error = $"the alert archive's database is unreachable now; retry in {RetryAfterSeconds} s" },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} answered 503: the archive's database is unreachable")]
    private static partial void LogUnavailable(ILogger logger, string path, Exception exception);
}
