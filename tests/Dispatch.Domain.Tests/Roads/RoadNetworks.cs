using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Tests.Roads;

/// <summary>Small hand-made road networks drawn in metres east/north of a fixed origin.</summary>
internal static class RoadNetworks
{
    public static readonly GeoPoint Origin = new(36.66, 117.00);

    public static readonly PlaneFrame Frame = new(Origin);

    public static GeoPoint At(double eastMeters, double northMeters) => Frame.ToGeo(eastMeters, northMeters);

    public static RoadFeature Road(RoadClass roadClass, params (double X, double Y)[] points) =>
        Road(roadClass, OneWay.No, null, points);

    public static RoadFeature Road(RoadClass roadClass, OneWay oneWay, double? maxSpeedKmh, params (double X, double Y)[] points) =>
        new(roadClass, maxSpeedKmh, oneWay, null, [points.Select(p => At(p.X, p.Y)).ToArray()]);

    public static RoadGraph Graph(params RoadFeature[] roads) =>
        RoadGraph.Build(roads, new RoadGraphOptions { Origin = Origin, SnapCellMeters = 50 });

    /// <summary>Distance in the plane, which is what the straight-line model ranks by.</summary>
    public static double StraightMeters(GeoPoint a, GeoPoint b)
    {
        var dx = Frame.X(a) - Frame.X(b);
        var dy = Frame.Y(a) - Frame.Y(b);
        return Math.Sqrt((dx * dx) + (dy * dy));
    }
}

/// <summary>A fallback model that answers a fixed, recognisable ETA.</summary>
internal sealed class FixedEta(double seconds) : IEtaEstimator
{
    public int Calls { get; private set; }

    public string Name => "fixed";

    public void EstimateTo(GeoPoint destination, ReadOnlySpan<EtaOrigin> origins, Span<double> etaSeconds)
    {
        Calls += origins.Length;
        etaSeconds.Fill(seconds);
    }
}

internal static class Kinds
{
    public static readonly UnitKind[] All = Enum.GetValues<UnitKind>();
}
