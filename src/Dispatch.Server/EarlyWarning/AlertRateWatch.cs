using Dispatch.Domain.City;
using Dispatch.Domain.EarlyWarning;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.EarlyWarning;

/// <summary>A warning as operators see it: which camera or sensor group, where, and how far above its own rate.</summary>
public sealed record AlertRateWarningView(
    string SourceId,
    string SourceKind,
    string Name,
    double? Latitude,
    double? Longitude,
    string? DistrictId,
    int RecentAlerts,
    double WindowMinutes,
    double ExpectedAlerts,
    double BaselinePerDay,
    double RateRatio,
    double PValue,
    DateTimeOffset RaisedAt,
    DateTimeOffset LastAlertAt);

/// <summary>
/// Rising alert rates per camera, and per sensor group (configured groups, or a gateway's sensors), against each one's
/// own baseline (<see cref="AlertRateDetector"/>), counted as alerts are accepted. Per host: each host counts the
/// alerts its gateways deliver (a gateway keeps one stream to one host), and the baseline is learned again after a
/// restart.
/// </summary>
public sealed class AlertRateWatch
{
    private readonly AlertRateDetector _detector;
    private readonly Lock _lock = new();
    private readonly CityModel _city;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, string> _groupOfDevice = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CameraSpec> _cameras;

    public AlertRateWatch(CityModel city, [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock, IOptions<EarlyWarningOptions> options)
    {
        _city = city;
        _clock = clock;
        _detector = new AlertRateDetector(options.Value.AlertRates);
        _cameras = city.Cameras.ToDictionary(c => c.Id, StringComparer.Ordinal);
        foreach (var (group, devices) in options.Value.SensorGroups)
        {
            foreach (var device in devices)
            {
                _groupOfDevice[device] = group;
            }
        }
    }

    /// <summary>
    /// Counts one accepted alert: for its camera, and for its sensor group when it is a sensor's (configured group,
    /// else the gateway's sensors). Never throws into the alert path.
    /// </summary>
    public void Observe(string gatewayId, string cameraId, string kind)
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            _detector.Observe($"camera:{cameraId}", now);
            if (_groupOfDevice.TryGetValue(cameraId, out var group))
            {
                _detector.Observe($"sensor-group:{group}", now);
            }
            else if (kind == "Sensor")
            {
                _detector.Observe($"sensor-group:gateway:{gatewayId}", now);
            }
        }
    }

    public IReadOnlyList<AlertRateWarningView> Warnings()
    {
        IReadOnlyList<AlertRateWarning> warnings;
        lock (_lock)
        {
            warnings = _detector.Warnings(_clock.GetUtcNow());
        }

        return [.. warnings.Select(ToView)];
    }

    private AlertRateWarningView ToView(AlertRateWarning w)
    {
        var (kind, id) = w.SourceId.StartsWith("camera:", StringComparison.Ordinal) ? ("camera", w.SourceId["camera:".Length..]) : ("sensor-group", w.SourceId["sensor-group:".Length..]);
        var camera = kind == "camera" && _cameras.TryGetValue(id, out var spec) ? spec : null;
        return new AlertRateWarningView(
            id, kind, camera?.Name ?? id, camera?.Location.Latitude, camera?.Location.Longitude,
            camera is null ? null : _city.FindStation(camera.StationId)?.GridId,
            w.RecentAlerts, w.WindowMinutes, w.ExpectedAlerts, w.BaselinePerDay, Math.Round(w.RateRatio, 1), w.PValue, w.RaisedAt, w.LastAlertAt);
    }
}
