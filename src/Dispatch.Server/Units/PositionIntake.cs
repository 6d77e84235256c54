using System.Collections.Concurrent;
using System.Globalization;
using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Units;

/// <summary>Where terminals' GPS fixes go (appsettings "Dispatch:Positions").</summary>
public sealed class PositionIntakeOptions
{
    public const string SectionName = "Dispatch:Positions";

    /// <summary>How often this host hands the fixes it took to the zones, as one batch.</summary>
    public int FlushIntervalMilliseconds { get; set; } = 50;

    /// <summary>A fix farther than this outside the city's grids (their bounding box) is refused.</summary>
    public double MaxOutsideCityMeters { get; set; } = 20_000;

    /// <summary>A fix implying a faster move from the unit's last accepted one is refused (GPS jumps, spoofing).</summary>
    public double MaxSpeedKmh { get; set; } = 200;

    /// <summary>Moves shorter than this are never judged by speed: GPS jitter between close fixes.</summary>
    public double JitterMeters { get; set; } = 150;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (FlushIntervalMilliseconds is < 5 or > 5000)
        {
            errors.Add($"{SectionName}:FlushIntervalMilliseconds must be within 5..5000, got {FlushIntervalMilliseconds}");
        }

        if (!double.IsFinite(MaxOutsideCityMeters) || MaxOutsideCityMeters < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:MaxOutsideCityMeters must be a non-negative number, got {MaxOutsideCityMeters}"));
        }

        if (!double.IsFinite(MaxSpeedKmh) || MaxSpeedKmh < 10)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:MaxSpeedKmh must be at least 10, got {MaxSpeedKmh}"));
        }

        if (!double.IsFinite(JitterMeters) || JitterMeters < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:JitterMeters must be a non-negative number, got {JitterMeters}"));
        }

        return errors;
    }
}

/// <summary>
/// Takes terminals' GPS fixes on this host: refuses an implausible one (far outside the city, or an impossible speed
/// from the unit's last accepted fix) with the reason, keeps only each unit's latest, and every
/// <see cref="PositionIntakeOptions.FlushIntervalMilliseconds"/> hands them to the silo's position router as one batch,
/// which splits it by zone. A fix costs the terminal's call no grain call and no write.
/// </summary>
public sealed class PositionIntake(
    IGrainFactory grains,
    CityModel city,
    IOptions<PositionIntakeOptions> options,
    DispatchMetrics metrics,
    TimeProvider clock) : BackgroundService
{
    private readonly ConcurrentDictionary<string, UnitPositionReport> _lastAccepted = new(StringComparer.Ordinal);
    private readonly Lazy<(double South, double West, double North, double East)> _bounds = new(() => Bounds(city, options.Value.MaxOutsideCityMeters));
    private ConcurrentDictionary<string, UnitPositionReport> _pending = new(StringComparer.Ordinal);

    /// <summary>Takes a fix; null when taken, else why it was refused (naming the value).</summary>
    public string? Report(string unitId, double latitude, double longitude)
    {
        var error = GeoPoint.Validate(latitude, longitude);
        if (error is not null)
        {
            metrics.PositionRefused("invalid");
            return $"position refused: {error}";
        }

        var at = clock.GetUtcNow();
        var point = new GeoPoint(latitude, longitude);
        var (south, west, north, east) = _bounds.Value;
        if (city.Grids.Count > 0 && (latitude < south || latitude > north || longitude < west || longitude > east))
        {
            metrics.PositionRefused("outside_city");
            return string.Create(CultureInfo.InvariantCulture,
                $"position refused: ({latitude:F5}, {longitude:F5}) is more than {options.Value.MaxOutsideCityMeters / 1000:F0} km outside the city");
        }

        if (_lastAccepted.TryGetValue(unitId, out var last))
        {
            var meters = GreatCircle.DistanceMeters(last.Position, point);
            var seconds = Math.Max(0.001, (at - last.At).TotalSeconds);
            var kmh = meters / seconds * 3.6;
            if (meters > options.Value.JitterMeters && kmh > options.Value.MaxSpeedKmh)
            {
                metrics.PositionRefused("impossible_speed");
                return string.Create(CultureInfo.InvariantCulture,
                    $"position refused: ({latitude:F5}, {longitude:F5}) is {meters:F0} m from the last fix {seconds:F1} s ago ({kmh:F0} km/h, more than {options.Value.MaxSpeedKmh:F0} km/h)");
            }
        }

        var report = new UnitPositionReport(unitId, point, at);
        _lastAccepted[unitId] = report;
        _pending[unitId] = report;
        metrics.PositionAccepted();
        return null;
    }

    /// <summary>Hands what was taken since the last flush to the position router as one batch.</summary>
    public void Flush()
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<string, UnitPositionReport>(StringComparer.Ordinal));
        grains.GetGrain<IPositionRouterGrain>(0).RouteAsync([.. batch.Values]).Ignore();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.FlushIntervalMilliseconds));
        try
        {
            while (await tick.WaitForNextTickAsync(stoppingToken))
            {
                Flush();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static (double South, double West, double North, double East) Bounds(CityModel city, double marginMeters)
    {
        if (city.Grids.Count == 0)
        {
            return (-90, -180, 90, 180);
        }

        var envelope = new NetTopologySuite.Geometries.Envelope();
        foreach (var grid in city.Grids)
        {
            envelope.ExpandToInclude(grid.Boundary.EnvelopeInternal);
        }

        var latitudeMargin = marginMeters / 111_320.0;
        var longitudeMargin = marginMeters / (111_320.0 * Math.Cos(Math.Min(89, Math.Max(Math.Abs(envelope.MinY), Math.Abs(envelope.MaxY))) * Math.PI / 180));
        return (envelope.MinY - latitudeMargin, envelope.MinX - longitudeMargin, envelope.MaxY + latitudeMargin, envelope.MaxX + longitudeMargin);
    }
}
