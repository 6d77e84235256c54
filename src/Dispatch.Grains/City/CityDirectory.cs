using System.Collections.Immutable;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;

namespace Dispatch.Grains.City;

/// <summary>
/// What the city is, as every silo reads it from its own memory: grids (which station's grid holds a point),
/// stations, units and cameras from the city file. Grains take their static facts from here instead of storing a
/// copy, so starting a city of 10,000 units and 60,000 cameras writes nothing. A host serves one city; a test
/// cluster adds a small city per test (<see cref="Add"/>), looked up in the order added.
/// </summary>
public sealed class CityDirectory
{
    private ImmutableArray<CityModel> _cities;

    public CityDirectory(params CityModel[] cities)
    {
        ArgumentNullException.ThrowIfNull(cities);
        _cities = [.. cities];
    }

    public IReadOnlyList<CityModel> Cities => _cities;

    public void Add(CityModel city)
    {
        ArgumentNullException.ThrowIfNull(city);
        ImmutableInterlocked.Update(ref _cities, (all, added) => all.Add(added), city);
    }

    public GridSpec? FindGrid(GeoPoint point)
    {
        foreach (var city in _cities)
        {
            if (city.FindGrid(point) is { } grid)
            {
                return grid;
            }
        }

        return null;
    }

    public StationSpec? FindStation(string stationId) => First(c => c.FindStation(stationId));

    public PatrolUnitSpec? FindUnit(string unitId) => First(c => c.FindUnit(unitId));

    public CameraSpec? FindCamera(string cameraId) => First(c => c.FindCamera(cameraId));

    /// <summary>Every unit of every city.</summary>
    public IEnumerable<PatrolUnitSpec> Units => _cities.SelectMany(c => c.Units);

    private T? First<T>(Func<CityModel, T?> find)
        where T : class
    {
        foreach (var city in _cities)
        {
            if (find(city) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}
