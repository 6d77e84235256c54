namespace Dispatch.Testing;

/// <summary>
/// OpenStreetMap road exports of one street network around the centre of Ljubljana, shaped as the usual tools write
/// them (Osm/make_fixtures.py draws the streets and writes both files; it says what each holds).
/// </summary>
public static class OsmFixtures
{
    /// <summary>overpass-turbo / osmtogeojson: a FeatureCollection with "@id", Points, Polygons and a route relation.</summary>
    public static string OsmToGeoJson { get; } = Path.Combine(RepositoryPaths.Root, "tests", "Dispatch.Testing", "Osm", "ljubljana-center.osmtogeojson.geojson");

    /// <summary>`osmium export -f geojsonseq`: RS-prefixed Features, one a line, areas as MultiPolygons.</summary>
    public static string OsmiumSequence { get; } = Path.Combine(RepositoryPaths.Root, "tests", "Dispatch.Testing", "Osm", "ljubljana-center.osmium.geojsonseq");

    /// <summary>Roads a router uses in either file.</summary>
    public const int Roads = 186;

    /// <summary>Features in either file.</summary>
    public const int Features = 223;

    /// <summary>Roughly where the streets are: 46.051 N, 14.506 E.</summary>
    public const double CentreLatitude = 46.051;

    public const double CentreLongitude = 14.506;
}
