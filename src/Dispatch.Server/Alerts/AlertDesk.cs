using Dispatch.Domain.City;
using Dispatch.Server.Live;

namespace Dispatch.Server.Alerts;

/// <summary>A camera alert as a gateway reports it (the gRPC service maps its messages onto this).</summary>
public sealed record CameraAlertReport(
    string AlertId,
    string CameraId,
    string Kind,
    double Confidence,
    DateTimeOffset At,
    byte[]? Snapshot,
    string? SnapshotContentType,
    IReadOnlyList<AlertBox> Boxes);

/// <summary>
/// The one server-side path for camera alerts and camera health: gateways (gRPC), tests and the simulator
/// all come through here. Validates against the city, then hands over to the alert grains, which publish.
/// </summary>
public sealed class AlertDesk(IGrainFactory grains, CityModel city)
{
    /// <summary>Snapshots are thumbnails plus one annotated frame, not video.</summary>
    public const int MaxSnapshotBytes = 2 * 1024 * 1024;

    private readonly Dictionary<string, CameraSpec> _cameras = city.Cameras.ToDictionary(c => c.Id, StringComparer.Ordinal);

    /// <summary>Raises the alert; returns false for a repeat of a known alert id. Bad input throws <see cref="ArgumentException"/> naming the value.</summary>
    public async Task<bool> RaiseAsync(CameraAlertReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (string.IsNullOrWhiteSpace(report.AlertId))
        {
            throw new ArgumentException("alert id must not be blank", nameof(report));
        }

        if (!_cameras.TryGetValue(report.CameraId ?? "", out var camera))
        {
            throw new ArgumentException($"unknown camera '{report.CameraId}'", nameof(report));
        }

        if (!double.IsFinite(report.Confidence) || report.Confidence is < 0 or > 1)
        {
            throw new ArgumentException($"confidence must be within [0, 1], got {report.Confidence}", nameof(report));
        }

        if (report.Snapshot is { Length: > MaxSnapshotBytes })
        {
            throw new ArgumentException($"snapshot must be at most {MaxSnapshotBytes} bytes, got {report.Snapshot.Length}", nameof(report));
        }

        var boxError = report.Boxes.Select(BoxError).FirstOrDefault(e => e is not null);
        if (boxError is not null)
        {
            throw new ArgumentException(boxError, nameof(report));
        }

        var record = new AlertRecord(report.AlertId, camera.Id, camera.Name, string.IsNullOrWhiteSpace(report.Kind) ? "alert" : report.Kind,
            report.Confidence, report.At, camera.Location.Latitude, camera.Location.Longitude, city.GridOfStation(camera.StationId),
            report.Boxes);
        var snapshot = report.Snapshot is { Length: > 0 } bytes
            ? new AlertSnapshot(bytes, string.IsNullOrWhiteSpace(report.SnapshotContentType) ? "image/jpeg" : report.SnapshotContentType)
            : null;
        return await grains.GetGrain<IAlertGrain>(report.AlertId).RaiseAsync(record, snapshot);
    }

    /// <summary>A gateway's heartbeat result for one channel.</summary>
    public Task ReportCameraHealthAsync(string cameraId, bool online)
    {
        if (!_cameras.TryGetValue(cameraId ?? "", out var camera))
        {
            throw new ArgumentException($"unknown camera '{cameraId}'", nameof(cameraId));
        }

        return grains.GetGrain<ICameraHealthGrain>(ICameraHealthGrain.DefaultKey).SetAsync(camera.Id, online, city.GridOfStation(camera.StationId));
    }

    private static string? BoxError(AlertBox box)
    {
        static bool Fraction(double v) => double.IsFinite(v) && v is >= 0 and <= 1;
        return Fraction(box.X) && Fraction(box.Y) && Fraction(box.Width) && Fraction(box.Height)
            ? null
            : $"box '{box.Label}' must lie within the image (fractions 0..1), got x={box.X} y={box.Y} w={box.Width} h={box.Height}";
    }
}

public static class LiveAlertApi
{
    /// <summary>GET /api/live/alerts/{id}/snapshot: the live map's copy of the alert's snapshot (boxes are drawn by the page).</summary>
    public static IEndpointRouteBuilder MapLiveAlertSnapshots(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/live/alerts/{alertId}/snapshot", async (string alertId, IGrainFactory grains) =>
            await grains.GetGrain<IAlertGrain>(alertId).GetSnapshotAsync() is { } snapshot
                ? Results.File(snapshot.Content, snapshot.ContentType)
                : Results.NotFound($"no snapshot for alert '{alertId}'"));
        return endpoints;
    }
}
