using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Tests.Geo;

public sealed class GreatCircleTests
{
    private static readonly GeoPoint Jinan = new(36.6512, 117.1201);
    private static readonly GeoPoint Qingdao = new(36.0671, 120.3826);
    private static readonly double MetersPerDegree = 2 * Math.PI * SphereReference.EarthRadiusMeters / 360;

    [Fact]
    public void Jinan_to_Qingdao_is_about_299_km_and_matches_the_chord_formula()
    {
        var distance = GreatCircle.DistanceMeters(Jinan, Qingdao);

        Assert.InRange(distance, 295_000, 305_000);
        Assert.Equal(SphereReference.ChordDistanceMeters(Jinan, Qingdao), distance, 1e-3);
    }

    [Fact]
    public void One_degree_along_the_equator_is_one_360th_of_the_circumference()
    {
        Assert.Equal(MetersPerDegree, GreatCircle.DistanceMeters(new GeoPoint(0, 10), new GeoPoint(0, 11)), 1e-6);
    }

    [Fact]
    public void One_degree_along_a_meridian_is_one_360th_of_the_circumference()
    {
        Assert.Equal(MetersPerDegree, GreatCircle.DistanceMeters(new GeoPoint(36, 117), new GeoPoint(37, 117)), 1e-6);
    }

    [Fact]
    public void Pole_to_pole_is_half_the_circumference()
    {
        Assert.Equal(Math.PI * SphereReference.EarthRadiusMeters, GreatCircle.DistanceMeters(new GeoPoint(90, 0), new GeoPoint(-90, 0)), 1e-6);
    }

    [Fact]
    public void The_pole_is_one_point_whatever_its_longitude()
    {
        Assert.Equal(0, GreatCircle.DistanceMeters(new GeoPoint(90, 0), new GeoPoint(90, 135)), 1e-6);
    }

    [Fact]
    public void Pole_to_equator_is_a_quarter_of_the_circumference()
    {
        Assert.Equal(Math.PI / 2 * SphereReference.EarthRadiusMeters, GreatCircle.DistanceMeters(new GeoPoint(90, 0), new GeoPoint(0, 77)), 1e-6);
    }

    [Fact]
    public void Distance_across_the_antimeridian_takes_the_short_way()
    {
        Assert.Equal(MetersPerDegree, GreatCircle.DistanceMeters(new GeoPoint(0, 179.5), new GeoPoint(0, -179.5)), 1e-6);
    }

    [Fact]
    public void Antipodal_points_are_half_the_circumference_apart()
    {
        var distance = GreatCircle.DistanceMeters(new GeoPoint(36.6512, 117.1201), new GeoPoint(-36.6512, -62.8799));

        Assert.Equal(Math.PI * SphereReference.EarthRadiusMeters, distance, 1e-3);
    }

    [Fact]
    public void Distance_from_a_point_to_itself_is_zero()
    {
        Assert.Equal(0, GreatCircle.DistanceMeters(Jinan, Jinan));
    }

    [Fact]
    public void Distance_is_symmetric_and_matches_the_chord_formula_for_random_pairs()
    {
        var random = new Random(20261123);
        for (var i = 0; i < 1000; i++)
        {
            var a = new GeoPoint((random.NextDouble() * 180) - 90, (random.NextDouble() * 360) - 180);
            var b = new GeoPoint((random.NextDouble() * 180) - 90, (random.NextDouble() * 360) - 180);

            var ab = GreatCircle.DistanceMeters(a, b);

            Assert.Equal(ab, GreatCircle.DistanceMeters(b, a), 1e-6);
            Assert.Equal(SphereReference.ChordDistanceMeters(a, b), ab, 1e-3);
        }
    }

    [Fact]
    public void Offset_north_moves_latitude_by_the_arc_and_keeps_longitude()
    {
        var moved = GreatCircle.Offset(Jinan, 1000, 0);

        Assert.Equal(Jinan.Latitude + (1000 / MetersPerDegree), moved.Latitude, 1e-9);
        Assert.Equal(Jinan.Longitude, moved.Longitude, 1e-9);
    }

    [Fact]
    public void Offset_east_on_the_equator_moves_longitude_by_the_arc()
    {
        var moved = GreatCircle.Offset(new GeoPoint(0, 10), 0, 1000);

        Assert.Equal(0, moved.Latitude, 1e-9);
        Assert.Equal(10 + (1000 / MetersPerDegree), moved.Longitude, 1e-9);
    }

    [Theory]
    [InlineData(0, 10_000)]
    [InlineData(10_000, 0)]
    [InlineData(-7_000, 7_000)]
    [InlineData(20_000, -20_000)]
    public void Offset_matches_the_tangent_plane_dropped_onto_the_sphere_to_well_under_a_metre(double north, double east)
    {
        var moved = GreatCircle.Offset(Jinan, north, east);

        Assert.True(GreatCircle.DistanceMeters(moved, TangentPlanePoint(Jinan, north, east)) < 0.5);
    }

    [Fact]
    public void Offset_lands_at_the_great_circle_distance_of_its_length()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var north = (random.NextDouble() - 0.5) * 60_000;
            var east = (random.NextDouble() - 0.5) * 60_000;

            var moved = GreatCircle.Offset(Jinan, north, east);

            Assert.Equal(Math.Sqrt((north * north) + (east * east)), SphereReference.ChordDistanceMeters(Jinan, moved), 1e-3);
        }
    }

    [Fact]
    public void Offset_of_zero_returns_the_origin()
    {
        Assert.Equal(Jinan, GreatCircle.Offset(Jinan, 0, 0));
    }

    [Fact]
    public void Offset_across_the_antimeridian_wraps_longitude()
    {
        var moved = GreatCircle.Offset(new GeoPoint(0, 179.999), 0, 1000);

        Assert.InRange(moved.Longitude, -180, -179.99);
    }

    [Theory]
    [InlineData(double.NaN, 0, "NaN")]
    [InlineData(0, double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, 0, "-Infinity")]
    public void Offset_refuses_non_finite_metres_naming_the_value(double north, double east, string shown)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GreatCircle.Offset(Jinan, north, east));

        Assert.Contains($"got {shown}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The point of the tangent plane at <paramref name="origin"/> (east/north axes) pushed radially onto the sphere.</summary>
    private static GeoPoint TangentPlanePoint(GeoPoint origin, double north, double east)
    {
        var lat = SphereReference.Radians(origin.Latitude);
        var lon = SphereReference.Radians(origin.Longitude);
        var r = SphereReference.EarthRadiusMeters;
        double[] up = [Math.Cos(lat) * Math.Cos(lon), Math.Cos(lat) * Math.Sin(lon), Math.Sin(lat)];
        double[] eastAxis = [-Math.Sin(lon), Math.Cos(lon), 0];
        double[] northAxis = [-Math.Sin(lat) * Math.Cos(lon), -Math.Sin(lat) * Math.Sin(lon), Math.Cos(lat)];
        var p = new double[3];
        for (var i = 0; i < 3; i++)
        {
            p[i] = (r * up[i]) + (east * eastAxis[i]) + (north * northAxis[i]);
        }

        var length = Math.Sqrt((p[0] * p[0]) + (p[1] * p[1]) + (p[2] * p[2]));
        return new GeoPoint(Math.Asin(p[2] / length) * 180 / Math.PI, Math.Atan2(p[1], p[0]) * 180 / Math.PI);
    }
}
