using Dispatch.Abstractions.Records;
using Dispatch.Server.Archive;

namespace Dispatch.Server.Alerts;

/// <summary>Alerts as operators see them: what each camera reported for an incident, and its snapshot.</summary>
public static class AlertApi
{
    public static IEndpointRouteBuilder MapAlertApi(this IEndpointRouteBuilder endpoints)
    {
        // GET /api/incidents/{id}/alerts: the alerts that opened or joined the incident, oldest first; 404 for no such incident.
        endpoints.MapGet("/api/incidents/{incidentId}/alerts", async (string incidentId, AlertArchive archive, IIncidentStore store, CancellationToken cancellationToken) =>
        {
            var alerts = await archive.ForIncidentAsync(incidentId, cancellationToken);
            // An incident with alerts exists; one without may be a call-taker's, or no incident at all.
            return alerts.Count > 0 || await store.ReadAsync(incidentId, cancellationToken) is not null
                ? Results.Ok(alerts)
                : Results.NotFound(new { error = $"no incident '{incidentId}'" });
        })
            .RequireAuthorization(Security.Policies.ViewBoard).WithName("GetIncidentAlerts").WithArchiveOutageAs503();

        // GET /api/alerts/{alertId}[?gatewayId=]: one accepted alert.
        endpoints.MapGet("/api/alerts/{alertId}", async (string alertId, string? gatewayId, AlertArchive archive, CancellationToken cancellationToken) =>
            await archive.FindAsync(alertId, gatewayId, cancellationToken) is { } alert
                ? Results.Ok(alert)
                : Results.NotFound(new { error = $"no accepted alert '{alertId}'" }))
            .RequireAuthorization(Security.Policies.ViewBoard).WithName("GetAlert").WithArchiveOutageAs503();

        // GET /api/alerts/{alertId}/snapshot?variant=thumb|annotated|original[&gatewayId=]: the JPEG.
        endpoints.MapGet("/api/alerts/{alertId}/snapshot", async (string alertId, string? variant, string? gatewayId, AlertArchive archive, CancellationToken cancellationToken) =>
        {
            if (!TryParseVariant(variant, out var which))
            {
                return Results.BadRequest(new { error = $"variant must be thumb, annotated or original, got '{variant}'" });
            }

            var alert = await archive.FindAsync(alertId, gatewayId, cancellationToken);
            if (alert is null)
            {
                return Results.NotFound(new { error = $"no accepted alert '{alertId}'" });
            }

            var jpeg = await archive.SnapshotAsync(alert.GatewayId, alert.AlertId, which, cancellationToken);
            return jpeg is null
                ? Results.NotFound(new { error = $"alert '{alertId}' came without a snapshot" })
                : Results.File(jpeg, "image/jpeg");
        }).RequireAuthorization(Security.Policies.ViewBoard).WithName("GetAlertSnapshot").WithArchiveOutageAs503();
        return endpoints;
    }

    internal static bool TryParseVariant(string? text, out SnapshotVariant variant)
    {
        switch (text?.ToUpperInvariant())
        {
            case null or "" or "ANNOTATED":
                variant = SnapshotVariant.Annotated;
                return true;
            case "THUMB":
                variant = SnapshotVariant.Thumb;
                return true;
            case "ORIGINAL":
                variant = SnapshotVariant.Original;
                return true;
            default:
                variant = default;
                return false;
        }
    }
}
