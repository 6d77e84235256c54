using System.Globalization;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Roads;

/// <summary>
/// Travel speeds on the road graph per road class and unit kind. A class missing from a kind's
/// table is closed to that kind (cars on footways, anyone but motor vehicles on motorways).
/// </summary>
public sealed class RoadSpeedOptions
{
    public const string SectionName = "Dispatch:Eta:Road:Speeds";

    /// <summary>
    /// Multiplies car and motorcycle speeds for signals, junctions and traffic in town; free-flow
    /// speeds over a whole city are never reached. Bicycles and people on foot are not slowed.
    /// </summary>
    public double UrbanSpeedFactor { get; set; } = 0.6;

    public Dictionary<RoadClass, double> CarKmh { get; set; } = new()
    {
        [RoadClass.Motorway] = 100,
        [RoadClass.Trunk] = 80,
        [RoadClass.Primary] = 60,
        [RoadClass.Secondary] = 50,
        [RoadClass.Tertiary] = 40,
        [RoadClass.Unclassified] = 30,
        [RoadClass.Residential] = 30,
        [RoadClass.LivingStreet] = 10,
        [RoadClass.Service] = 20,
        [RoadClass.Track] = 15,
    };

    /// <summary>Slower than cars on main roads, quicker on small streets where they filter past traffic.</summary>
    public Dictionary<RoadClass, double> MotorcycleKmh { get; set; } = new()
    {
        [RoadClass.Motorway] = 90,
        [RoadClass.Trunk] = 75,
        [RoadClass.Primary] = 55,
        [RoadClass.Secondary] = 48,
        [RoadClass.Tertiary] = 42,
        [RoadClass.Unclassified] = 35,
        [RoadClass.Residential] = 35,
        [RoadClass.LivingStreet] = 15,
        [RoadClass.Service] = 25,
        [RoadClass.Track] = 20,
    };

    public Dictionary<RoadClass, double> BicycleKmh { get; set; } = new()
    {
        [RoadClass.Trunk] = 15,
        [RoadClass.Primary] = 16,
        [RoadClass.Secondary] = 16,
        [RoadClass.Tertiary] = 16,
        [RoadClass.Unclassified] = 15,
        [RoadClass.Residential] = 15,
        [RoadClass.LivingStreet] = 12,
        [RoadClass.Service] = 12,
        [RoadClass.Track] = 10,
        [RoadClass.Cycleway] = 18,
        [RoadClass.Pedestrian] = 8,
        [RoadClass.Footway] = 8,
        [RoadClass.Path] = 8,
    };

    public Dictionary<RoadClass, double> FootKmh { get; set; } = new()
    {
        [RoadClass.Trunk] = 5,
        [RoadClass.Primary] = 5,
        [RoadClass.Secondary] = 5,
        [RoadClass.Tertiary] = 5,
        [RoadClass.Unclassified] = 5,
        [RoadClass.Residential] = 5,
        [RoadClass.LivingStreet] = 5,
        [RoadClass.Service] = 5,
        [RoadClass.Track] = 5,
        [RoadClass.Cycleway] = 5,
        [RoadClass.Pedestrian] = 5,
        [RoadClass.Footway] = 5,
        [RoadClass.Path] = 5,
        [RoadClass.Steps] = 2.5,
    };

    /// <summary>Speed between a position and the nearest road (car park, courtyard, square) per kind.</summary>
    public double OffRoadCarKmh { get; set; } = 10;

    public double OffRoadMotorcycleKmh { get; set; } = 10;

    public double OffRoadBicycleKmh { get; set; } = 8;

    public double OffRoadFootKmh { get; set; } = 4.5;

    /// <summary>Configuration errors, each naming its key under <paramref name="sectionPath"/>; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string sectionPath = SectionName)
    {
        var errors = new List<string>();
        if (!double.IsFinite(UrbanSpeedFactor) || UrbanSpeedFactor <= 0 || UrbanSpeedFactor > 1)
        {
            errors.Add(Invalid(sectionPath, nameof(UrbanSpeedFactor), "must be in (0, 1]", UrbanSpeedFactor));
        }

        CheckTable(errors, sectionPath, nameof(CarKmh), CarKmh);
        CheckTable(errors, sectionPath, nameof(MotorcycleKmh), MotorcycleKmh);
        CheckTable(errors, sectionPath, nameof(BicycleKmh), BicycleKmh);
        CheckTable(errors, sectionPath, nameof(FootKmh), FootKmh);
        CheckSpeed(errors, sectionPath, nameof(OffRoadCarKmh), OffRoadCarKmh);
        CheckSpeed(errors, sectionPath, nameof(OffRoadMotorcycleKmh), OffRoadMotorcycleKmh);
        CheckSpeed(errors, sectionPath, nameof(OffRoadBicycleKmh), OffRoadBicycleKmh);
        CheckSpeed(errors, sectionPath, nameof(OffRoadFootKmh), OffRoadFootKmh);
        return errors;
    }

    /// <summary>
    /// Speed of <paramref name="kind"/> on a road of <paramref name="roadClass"/> in m/s, 0 when the kind may not use it.
    /// The road's limit caps motor vehicles before the urban factor applies.
    /// </summary>
    public double MetersPerSecond(RoadClass roadClass, UnitKind kind, double? maxSpeedKmh)
    {
        var table = kind switch
        {
            UnitKind.Car => CarKmh,
            UnitKind.Motorcycle => MotorcycleKmh,
            UnitKind.Bicycle => BicycleKmh,
            UnitKind.Foot => FootKmh,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unknown unit kind {kind}"),
        };
        if (!table.TryGetValue(roadClass, out var kmh))
        {
            return 0;
        }

        if (kind is UnitKind.Car or UnitKind.Motorcycle)
        {
            if (maxSpeedKmh is { } limit)
            {
                kmh = Math.Min(kmh, limit);
            }

            kmh *= UrbanSpeedFactor;
        }

        return kmh / 3.6;
    }

    /// <summary>
    /// The fastest any unit kind may go on any road class (urban factor applied) or off-road, in km/h: no unit
    /// farther than target x this speed can make a target, so it sizes the search around an incident.
    /// </summary>
    public double FastestKmh()
    {
        var fastest = new[] { OffRoadCarKmh, OffRoadMotorcycleKmh, OffRoadBicycleKmh, OffRoadFootKmh }.Max();
        foreach (var kind in Enum.GetValues<UnitKind>())
        {
            foreach (var roadClass in Enum.GetValues<RoadClass>())
            {
                fastest = Math.Max(fastest, MetersPerSecond(roadClass, kind, maxSpeedKmh: null) * 3.6);
            }
        }

        return fastest;
    }

    public double OffRoadMetersPerSecond(UnitKind kind) => kind switch
    {
        UnitKind.Car => OffRoadCarKmh,
        UnitKind.Motorcycle => OffRoadMotorcycleKmh,
        UnitKind.Bicycle => OffRoadBicycleKmh,
        UnitKind.Foot => OffRoadFootKmh,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"unknown unit kind {kind}"),
    } / 3.6;

    private static void CheckTable(List<string> errors, string sectionPath, string key, Dictionary<RoadClass, double> table)
    {
        if (table is null)
        {
            errors.Add($"{sectionPath}:{key} is required");
            return;
        }

        foreach (var (roadClass, kmh) in table)
        {
            CheckSpeed(errors, sectionPath, $"{key}:{roadClass}", kmh);
        }
    }

    private static void CheckSpeed(List<string> errors, string sectionPath, string key, double kmh)
    {
        if (!double.IsFinite(kmh) || kmh <= 0)
        {
            errors.Add(Invalid(sectionPath, key, "must be > 0 and finite", kmh));
        }
    }

    private static string Invalid(string sectionPath, string key, string rule, double value) =>
        string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{key} {rule}, got {value}");
}
