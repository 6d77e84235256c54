using Dispatch.Abstractions.Cameras;
using Dispatch.Contracts.V1;
using Dispatch.Domain.City;
using Dispatch.Server.Live;

namespace Dispatch.Server.Alerts;

/// <summary>
/// The operators' alert feed, fed only by <see cref="AlertIntake"/> with alerts it has already checked, handled and
/// archived: each accepted alert is shown once, with links to the archive's thumbnail and annotated snapshot.
/// </summary>
public sealed class OperatorAlertFeed(IGrainFactory grains, CityModel city)
{
    /// <summary>Shows an accepted alert; false when the feed already has this alert id.</summary>
    /// <param name="snapshotArchived">Whether the archive holds its snapshot renderings (the links would fail otherwise).</param>
    public async Task<bool> ShowAsync(string gatewayId, Alert alert, CameraAlertResult result, bool snapshotArchived)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(result);
        var camera = await grains.GetGrain<ICameraFeedGrain>(alert.CameraId).GetAsync();
        var at = result.Location ?? camera?.Location ?? throw new InvalidOperationException($"alert '{alert.AlertId}' has no place");
        var record = new AlertRecord(
            alert.AlertId,
            alert.CameraId,
            camera?.Name ?? alert.CameraId,
            alert.Kind.ToString(),
            alert.Confidence,
            alert.ObservedAt.ToDateTimeOffset(),
            at.Latitude,
            at.Longitude,
            city.FindGrid(at)?.Id ?? (camera is null ? null : city.GridOfStation(camera.StationId)),
            [.. alert.Boxes.Select(b => new AlertBox(b.X, b.Y, b.Width, b.Height, b.Label))],
            gatewayId,
            snapshotArchived && !alert.SnapshotJpeg.IsEmpty);
        return await grains.GetGrain<IAlertGrain>(alert.AlertId).RaiseAsync(record, result.IncidentId);
    }
}
