using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Tests.Geo;

public sealed class GeoPointTests
{
    [Theory]
    [InlineData(double.NaN, 0.0, "latitude", "NaN")]
    [InlineData(0.0, double.NaN, "longitude", "NaN")]
    [InlineData(double.PositiveInfinity, 0.0, "latitude", "Infinity")]
    [InlineData(0.0, double.NegativeInfinity, "longitude", "-Infinity")]
    [InlineData(90.0001, 0.0, "latitude", "90.0001")]
    [InlineData(-90.0001, 0.0, "latitude", "-90.0001")]
    [InlineData(0.0, -180.5, "longitude", "-180.5")]
    [InlineData(0.0, 180.5, "longitude", "180.5")]
    public void Create_refuses_bad_coordinates_naming_the_value(double latitude, double longitude, string coordinate, string shown)
    {
        var result = GeoPoint.Create(latitude, longitude);

        Assert.False(result.IsOk);
        Assert.StartsWith(coordinate, result.Error, StringComparison.Ordinal);
        Assert.EndsWith($"got {shown}", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN, 0.0, "NaN")]
    [InlineData(90.0001, 0.0, "90.0001")]
    [InlineData(0.0, -180.5, "-180.5")]
    [InlineData(0.0, double.PositiveInfinity, "Infinity")]
    public void Constructor_throws_with_a_message_naming_the_value(double latitude, double longitude, string shown)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GeoPoint(latitude, longitude));

        Assert.Contains($"got {shown}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(90.0, 180.0)]
    [InlineData(-90.0, -180.0)]
    [InlineData(90.0, -180.0)]
    [InlineData(-90.0, 180.0)]
    [InlineData(0.0, 0.0)]
    public void Boundary_coordinates_are_accepted(double latitude, double longitude)
    {
        var result = GeoPoint.Create(latitude, longitude);

        Assert.True(result.IsOk);
        Assert.Equal(latitude, result.Value.Latitude);
        Assert.Equal(longitude, result.Value.Longitude);
        Assert.Equal(latitude, new GeoPoint(latitude, longitude).Latitude);
    }

    [Fact]
    public void ToString_uses_invariant_six_decimals()
    {
        Assert.Equal("(36.651200, 117.120100)", new GeoPoint(36.6512, 117.1201).ToString());
    }

    [Fact]
    public void Points_with_equal_coordinates_are_equal()
    {
        Assert.Equal(new GeoPoint(36.6512, 117.1201), new GeoPoint(36.6512, 117.1201));
        Assert.NotEqual(new GeoPoint(36.6512, 117.1201), new GeoPoint(36.6512, 117.1202));
    }
}
