using Dispatch.Domain.City;
using Dispatch.Domain.GridEvents;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Domain.Tests.GridEvents;

public sealed class GridEventCatalogTests
{
    private static readonly CityModel City = DemoCity.Generate(seed: 7);

    [Fact]
    public void A_category_goes_to_its_own_department_with_its_time_limit()
    {
        var routing = new GridEventCatalog().Route("street-light", "G-01", "huaiyin");

        Assert.Equal(new GridEventRouting("power", "category street-light", TimeSpan.FromHours(48)), routing);
    }

    [Fact]
    public void The_first_route_covering_the_grid_or_district_decides_and_others_keep_the_category_department()
    {
        var catalog = Bind(new()
        {
            ["Routes:0:Category"] = "illegal-parking",
            ["Routes:0:Grids:0"] = "G-07",
            ["Routes:0:Department"] = "city-management",
            ["Routes:1:Category"] = "*",
            ["Routes:1:Districts:0"] = "lixia",
            ["Routes:1:Department"] = "community",
        });

        Assert.Equal("city-management", catalog.Route("illegal-parking", "G-07", "lixia")!.Department);
        Assert.Equal("route 0 (illegal-parking in grid G-07)", catalog.Route("illegal-parking", "G-07", "lixia")!.Reason);
        Assert.Equal("community", catalog.Route("illegal-parking", "G-08", "lixia")!.Department);
        Assert.Equal("route 1 (* in district lixia)", catalog.Route("water-leak", "G-08", "lixia")!.Reason);
        Assert.Equal("traffic", catalog.Route("illegal-parking", "G-01", "huaiyin")!.Department);
        Assert.Equal(TimeSpan.FromHours(4), catalog.Route("illegal-parking", "G-07", "lixia")!.Sla);
    }

    [Fact]
    public void An_unknown_category_has_no_route()
    {
        Assert.Null(new GridEventCatalog().Route("volcano", "G-01", "huaiyin"));
    }

    [Fact]
    public void Configuration_adds_departments_and_changes_a_default_category_in_place()
    {
        var catalog = Bind(new()
        {
            ["Departments:gas:Name"] = "燃气",
            ["Categories:gas-smell:Name"] = "燃气异味",
            ["Categories:gas-smell:Department"] = "gas",
            ["Categories:gas-smell:SlaHours"] = "1",
            ["Categories:street-light:SlaHours"] = "12",
        });

        Assert.Empty(catalog.ValidateCatalog("Dispatch:GridEvents:", City));
        Assert.Equal(("gas", TimeSpan.FromHours(1)), (catalog.Route("gas-smell", "G-01", "huaiyin")!.Department, catalog.Route("gas-smell", "G-01", "huaiyin")!.Sla));
        Assert.Equal(("power", TimeSpan.FromHours(12)), (catalog.Route("street-light", "G-01", "huaiyin")!.Department, catalog.Route("street-light", "G-01", "huaiyin")!.Sla));
    }

    [Theory]
    [InlineData("Categories:street-light:Department", "nobody", "Dispatch:GridEvents:Categories:street-light:Department 'nobody' is not one of the departments")]
    [InlineData("Categories:street-light:SlaHours", "0", "Dispatch:GridEvents:Categories:street-light:SlaHours must be within (0, 8760], got 0")]
    [InlineData("Categories:bad id:Name", "x", "Dispatch:GridEvents:Categories:bad id: id 'bad id' must be")]
    [InlineData("Departments:power:Name", "", "Dispatch:GridEvents:Departments:power:Name must not be empty")]
    [InlineData("Routes:0:Grids:0", "G-99", "Dispatch:GridEvents:Routes:0:Grids names unknown grid 'G-99'")]
    [InlineData("Routes:0:Districts:0", "atlantis", "Dispatch:GridEvents:Routes:0:Districts names unknown district 'atlantis'")]
    [InlineData("Routes:0:Category", "volcano", "Dispatch:GridEvents:Routes:0:Category 'volcano' is not a category")]
    public void A_bad_setting_is_refused_naming_its_key(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Routes", StringComparison.Ordinal))
        {
            settings.TryAdd("Routes:0:Department", "police");
        }

        var errors = Bind(settings).ValidateCatalog("Dispatch:GridEvents:", City);

        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    private static GridEventCatalog Bind(Dictionary<string, string?> settings)
    {
        var catalog = new GridEventCatalog();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().Bind(catalog);
        return catalog;
    }
}
