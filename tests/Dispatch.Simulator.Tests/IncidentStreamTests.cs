using Dispatch.Domain.City;
using Dispatch.Simulator.Scenario;

namespace Dispatch.Simulator.Tests;

public sealed class IncidentStreamTests
{
    private static readonly CityModel City = DemoCity.Generate(7);

    [Fact]
    public void Every_incident_lies_in_the_grid_it_names()
    {
        var incidents = IncidentStream.Generate(City, seed: 5, count: 300, ratePerHour: 600);

        Assert.All(incidents, incident => Assert.Equal(incident.GridId, City.FindGrid(incident.Location)?.Id));
    }

    [Fact]
    public void The_same_seed_gives_the_same_stream_and_another_seed_another()
    {
        var first = IncidentStream.Generate(City, seed: 5, count: 50, ratePerHour: 600);

        Assert.Equal(first, IncidentStream.Generate(City, seed: 5, count: 50, ratePerHour: 600));
        Assert.NotEqual(first, IncidentStream.Generate(City, seed: 6, count: 50, ratePerHour: 600));
    }

    [Fact]
    public void Arrivals_average_the_requested_rate_and_mix_priorities()
    {
        var incidents = IncidentStream.Generate(City, seed: 5, count: 2000, ratePerHour: 600);

        Assert.InRange(incidents[^1].After.TotalHours, 2000 / 600.0 * 0.9, 2000 / 600.0 * 1.1);
        Assert.True(incidents.Zip(incidents.Skip(1)).All(pair => pair.First.After <= pair.Second.After));
        Assert.Equal(4, incidents.Select(i => i.Priority).Distinct().Count());
    }

    [Fact]
    public void About_the_configured_share_of_incidents_happens_on_the_square_around_the_grid_station()
    {
        var incidents = IncidentStream.Generate(City, seed: 9, count: 2000, ratePerHour: 600);

        var onSquare = incidents.Count(incident =>
        {
            var station = City.FindStation(City.Grids.Single(g => g.Id == incident.GridId).StationId)!;
            return Dispatch.Domain.Geo.GreatCircle.DistanceMeters(station.Location, incident.Location) <= IncidentStream.StationSquareRadiusMeters;
        });

        // The rest is uniform over ~1.3 km2 grids, so only about 1 % of it falls on a 150 m square by chance.
        Assert.InRange(onSquare / 2000.0, IncidentStream.StationSquareShare * 0.9, IncidentStream.StationSquareShare + 0.1);
    }
}
