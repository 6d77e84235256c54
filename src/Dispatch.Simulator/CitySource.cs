using Dispatch.Domain.City;

namespace Dispatch.Simulator;

/// <summary>The city of a run: a city GeoJSON file when given, else the demo city for the seed.</summary>
public static class CitySource
{
    public static CityModel Load(string? path, int seed)
    {
        if (path is null)
        {
            return DemoCity.Generate(seed);
        }

        using var file = File.OpenRead(path);
        try
        {
            return CityGeoJson.Read(file);
        }
        catch (CityFormatException e)
        {
            throw new InputException($"{path}: {e.Message}");
        }
    }
}
