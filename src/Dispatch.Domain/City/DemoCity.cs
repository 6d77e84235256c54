namespace Dispatch.Domain.City;

/// <summary>A Jinan-like demo city generated deterministically from a seed.</summary>
public static class DemoCity
{
    public static readonly Geo.GeoPoint JinanCenter = new(36.66, 117.00);

    /// <summary>60 grids around the centre, each with its station; a few hundred patrol units; a few thousand cameras.</summary>
    public static CityModel Generate(int seed = 7) => throw new NotImplementedException();
}
