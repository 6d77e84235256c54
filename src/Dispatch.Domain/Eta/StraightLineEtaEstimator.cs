using System.Globalization;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Eta;

/// <summary>Speeds and detour factor of the straight-line model; bound from configuration.</summary>
public sealed class StraightLineEtaOptions
{
    public const string SectionName = "Dispatch:Eta:StraightLine";

    /// <summary>Road distance divided by great-circle distance in a city grid of streets.</summary>
    public double DetourFactor { get; set; } = 1.4;

    public double CarSpeedKmh { get; set; } = 40;

    public double MotorcycleSpeedKmh { get; set; } = 35;

    public double BicycleSpeedKmh { get; set; } = 15;

    public double FootSpeedKmh { get; set; } = 5;

    /// <summary>Configuration errors, each naming its key under <paramref name="sectionPath"/>; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string sectionPath = SectionName)
    {
        var errors = new List<string>();

        // A detour factor below 1 would claim roads shorter than the straight line.
        if (!double.IsFinite(DetourFactor) || DetourFactor < 1)
        {
            errors.Add(Invalid(sectionPath, nameof(DetourFactor), "must be a finite number >= 1", DetourFactor));
        }

        CheckSpeed(errors, sectionPath, nameof(CarSpeedKmh), CarSpeedKmh);
        CheckSpeed(errors, sectionPath, nameof(MotorcycleSpeedKmh), MotorcycleSpeedKmh);
        CheckSpeed(errors, sectionPath, nameof(BicycleSpeedKmh), BicycleSpeedKmh);
        CheckSpeed(errors, sectionPath, nameof(FootSpeedKmh), FootSpeedKmh);
        return errors;
    }

    /// <summary>The fastest kind's speed in km/h; an upper bound of how far a unit gets per second in this model (the detour only slows it).</summary>
    public double FastestKmh() => Math.Max(Math.Max(CarSpeedKmh, MotorcycleSpeedKmh), Math.Max(BicycleSpeedKmh, FootSpeedKmh));

    public double SpeedMetersPerSecond(UnitKind kind)
    {
        var speedKmh = kind switch
        {
            UnitKind.Car => CarSpeedKmh,
            UnitKind.Motorcycle => MotorcycleSpeedKmh,
            UnitKind.Bicycle => BicycleSpeedKmh,
            UnitKind.Foot => FootSpeedKmh,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unknown unit kind {kind}"),
        };
        return speedKmh / 3.6;
    }

    private static void CheckSpeed(List<string> errors, string sectionPath, string key, double speedKmh)
    {
        if (!double.IsFinite(speedKmh) || speedKmh <= 0)
        {
            errors.Add(Invalid(sectionPath, key, "must be > 0 and finite", speedKmh));
        }
    }

    private static string Invalid(string sectionPath, string key, string rule, double value) =>
        string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{key} {rule}, got {value}");
}

/// <summary>ETA = great-circle distance x detour factor / speed of the unit's kind.</summary>
public sealed class StraightLineEtaEstimator : IEtaEstimator
{
    private readonly double _detourFactor;
    private readonly double _carMetersPerSecond;
    private readonly double _motorcycleMetersPerSecond;
    private readonly double _bicycleMetersPerSecond;
    private readonly double _footMetersPerSecond;

    public StraightLineEtaEstimator(StraightLineEtaOptions? options = null)
    {
        options ??= new StraightLineEtaOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        // Copied so later changes to the options object cannot change a running estimator.
        _detourFactor = options.DetourFactor;
        _carMetersPerSecond = options.SpeedMetersPerSecond(UnitKind.Car);
        _motorcycleMetersPerSecond = options.SpeedMetersPerSecond(UnitKind.Motorcycle);
        _bicycleMetersPerSecond = options.SpeedMetersPerSecond(UnitKind.Bicycle);
        _footMetersPerSecond = options.SpeedMetersPerSecond(UnitKind.Foot);
    }

    public string Name => "straight-line";

    public void EstimateTo(GeoPoint destination, ReadOnlySpan<EtaOrigin> origins, Span<double> etaSeconds)
    {
        if (origins.Length != etaSeconds.Length)
        {
            throw new ArgumentException(
                $"etaSeconds has length {etaSeconds.Length} but there are {origins.Length} origins; the lengths must match",
                nameof(etaSeconds));
        }

        for (var i = 0; i < origins.Length; i++)
        {
            etaSeconds[i] = EtaSeconds(origins[i].Position, origins[i].Kind, destination);
        }
    }

    public double EtaSeconds(GeoPoint from, UnitKind kind, GeoPoint to) =>
        GreatCircle.DistanceMeters(from, to) * _detourFactor / SpeedMetersPerSecond(kind);

    private double SpeedMetersPerSecond(UnitKind kind) => kind switch
    {
        UnitKind.Car => _carMetersPerSecond,
        UnitKind.Motorcycle => _motorcycleMetersPerSecond,
        UnitKind.Bicycle => _bicycleMetersPerSecond,
        UnitKind.Foot => _footMetersPerSecond,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unknown unit kind {kind}"),
    };
}
