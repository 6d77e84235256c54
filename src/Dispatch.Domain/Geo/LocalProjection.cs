using NetTopologySuite.Geometries;

namespace Dispatch.Domain.Geo;

/// <summary>
/// A local metric projection around an origin (X metres east, Y metres north), accurate over a
/// city, so NetTopologySuite geometry (areas, buffers, distances) works in metres.
/// Geographic geometry uses X = longitude, Y = latitude, as GeoJSON does.
/// </summary>
public sealed class LocalProjection
{
    public LocalProjection(GeoPoint origin) => throw new NotImplementedException();

    public GeoPoint Origin { get; }

    public Coordinate ToMeters(GeoPoint point) => throw new NotImplementedException();

    public GeoPoint ToGeo(Coordinate meters) => throw new NotImplementedException();

    /// <summary>A copy of a longitude/latitude geometry in local metres.</summary>
    public Geometry ToMeters(Geometry lonLat) => throw new NotImplementedException();

    /// <summary>A copy of a local-metre geometry in longitude/latitude.</summary>
    public Geometry ToGeo(Geometry meters) => throw new NotImplementedException();
}
