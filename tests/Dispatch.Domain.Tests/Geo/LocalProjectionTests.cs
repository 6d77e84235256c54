using Dispatch.Domain.Geo;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.Tests.Geo;

public sealed class LocalProjectionTests
{
    private static readonly GeoPoint Jinan = new(36.6512, 117.1201);
    private static readonly GeometryFactory Factory = new();

    [Fact]
    public void Origin_projects_to_zero()
    {
        var meters = new LocalProjection(Jinan).ToMeters(Jinan);

        Assert.Equal(0, meters.X);
        Assert.Equal(0, meters.Y);
    }

    [Fact]
    public void A_point_due_north_projects_to_its_meridian_arc_on_the_y_axis()
    {
        var north = new GeoPoint(Jinan.Latitude + 0.1, Jinan.Longitude);

        var meters = new LocalProjection(Jinan).ToMeters(north);

        Assert.Equal(SphereReference.Radians(0.1) * SphereReference.EarthRadiusMeters, meters.Y, 1e-6);
        Assert.Equal(0, meters.X, 1e-9);
    }

    [Fact]
    public void A_point_to_the_east_has_positive_x()
    {
        var meters = new LocalProjection(Jinan).ToMeters(new GeoPoint(Jinan.Latitude, Jinan.Longitude + 0.1));

        Assert.InRange(meters.X, 8_900, 8_950);
    }

    [Fact]
    public void Round_trip_returns_the_point_within_a_millionth_of_a_degree()
    {
        var projection = new LocalProjection(Jinan);
        var random = new Random(11);
        for (var i = 0; i < 2000; i++)
        {
            // Mostly city scale, some far away.
            var spread = i % 10 == 0 ? 60.0 : 0.5;
            var latitude = Math.Clamp(Jinan.Latitude + ((random.NextDouble() - 0.5) * spread), -89, 89);
            var longitude = Jinan.Longitude + ((random.NextDouble() - 0.5) * spread);
            var point = new GeoPoint(latitude, longitude);

            var back = projection.ToGeo(projection.ToMeters(point));

            Assert.Equal(point.Latitude, back.Latitude, 1e-6);
            Assert.Equal(point.Longitude, back.Longitude, 1e-6);
        }
    }

    [Fact]
    public void Round_trip_works_across_the_antimeridian()
    {
        var projection = new LocalProjection(new GeoPoint(-17.7, 179.99));
        var point = new GeoPoint(-17.69, -179.98);

        var back = projection.ToGeo(projection.ToMeters(point));

        Assert.Equal(point.Latitude, back.Latitude, 1e-9);
        Assert.Equal(point.Longitude, back.Longitude, 1e-9);
    }

    [Fact]
    public void Projected_distances_match_great_circle_within_a_thousandth_over_20_km()
    {
        var projection = new LocalProjection(Jinan);
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var a = GreatCircle.Offset(Jinan, (random.NextDouble() - 0.5) * 40_000, (random.NextDouble() - 0.5) * 40_000);
            var b = GreatCircle.Offset(Jinan, (random.NextDouble() - 0.5) * 40_000, (random.NextDouble() - 0.5) * 40_000);
            var trueMeters = SphereReference.ChordDistanceMeters(a, b);
            if (trueMeters < 1)
            {
                continue;
            }

            var projectedMeters = projection.ToMeters(a).Distance(projection.ToMeters(b));

            Assert.InRange(projectedMeters / trueMeters, 0.999, 1.001);
        }
    }

    [Fact]
    public void Projected_distances_stay_within_half_a_metre_over_30_km_of_the_origin()
    {
        var projection = new LocalProjection(Jinan);
        var random = new Random(6);
        for (var i = 0; i < 2000; i++)
        {
            var a = GreatCircle.Offset(Jinan, (random.NextDouble() - 0.5) * 42_000, (random.NextDouble() - 0.5) * 42_000);
            var b = GreatCircle.Offset(Jinan, (random.NextDouble() - 0.5) * 42_000, (random.NextDouble() - 0.5) * 42_000);

            var errorMeters = projection.ToMeters(a).Distance(projection.ToMeters(b)) - SphereReference.ChordDistanceMeters(a, b);

            Assert.InRange(errorMeters, -0.5, 0.5);
        }
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(36.6512, 117.1201)]
    [InlineData(60.0, 30.0)]
    public void Area_of_a_latitude_longitude_square_matches_the_spherical_area(double south, double west)
    {
        const double Side = 0.05;
        var square = Factory.CreatePolygon(
        [
            new Coordinate(west, south),
            new Coordinate(west + Side, south),
            new Coordinate(west + Side, south + Side),
            new Coordinate(west, south + Side),
            new Coordinate(west, south),
        ]);
        var projection = new LocalProjection(new GeoPoint(south + (Side / 2), west + (Side / 2)));

        var areaSquareMeters = projection.ToMeters(square).Area;

        var expected = SphereReference.RectangleAreaSquareMeters(south, south + Side, west, west + Side);
        Assert.Equal(1.0, areaSquareMeters / expected, 1e-4);
    }

    [Fact]
    public void A_one_kilometre_square_in_metres_keeps_its_area_after_going_to_degrees_and_back()
    {
        var projection = new LocalProjection(Jinan);
        var square = Factory.CreatePolygon(
        [
            new Coordinate(2000, 3000),
            new Coordinate(3000, 3000),
            new Coordinate(3000, 4000),
            new Coordinate(2000, 4000),
            new Coordinate(2000, 3000),
        ]);

        var lonLat = projection.ToGeo(square);
        var back = projection.ToMeters(lonLat);

        Assert.InRange(lonLat.Area, 1e-5, 1.5e-4);
        Assert.Equal(1_000_000, back.Area, 1e-3);
    }

    [Fact]
    public void Geometry_copies_leave_the_input_unchanged()
    {
        var projection = new LocalProjection(Jinan);
        var line = Factory.CreateLineString([new Coordinate(117.12, 36.65), new Coordinate(117.13, 36.66)]);

        var meters = projection.ToMeters(line);

        Assert.Equal(117.12, line.Coordinates[0].X);
        Assert.Equal(36.66, line.Coordinates[1].Y);
        Assert.NotEqual(line.Coordinates[0].X, meters.Coordinates[0].X);
        Assert.Equal(projection.ToMeters(new GeoPoint(36.65, 117.12)).X, meters.Coordinates[0].X, 1e-9);
    }

    [Fact]
    public void Geometry_in_x_longitude_y_latitude_order_projects_like_the_point()
    {
        var projection = new LocalProjection(Jinan);
        var point = new GeoPoint(36.70, 117.05);

        var projected = (Point)projection.ToMeters(Factory.CreatePoint(new Coordinate(point.Longitude, point.Latitude)));
        var expected = projection.ToMeters(point);

        Assert.Equal(expected.X, projected.X, 1e-9);
        Assert.Equal(expected.Y, projected.Y, 1e-9);
        Assert.True(projected.X < 0);
        Assert.True(projected.Y > 0);
    }

    [Fact]
    public void Geometry_with_a_latitude_out_of_range_is_refused_naming_the_value()
    {
        var projection = new LocalProjection(Jinan);
        var bad = Factory.CreatePoint(new Coordinate(117.0, 91.5));

        var error = Assert.Throws<ArgumentException>(() => projection.ToMeters(bad));

        Assert.Contains("91.5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_metres_are_refused()
    {
        var projection = new LocalProjection(Jinan);

        Assert.Throws<ArgumentOutOfRangeException>(() => projection.ToGeo(new Coordinate(double.NaN, 0)));
    }
}
