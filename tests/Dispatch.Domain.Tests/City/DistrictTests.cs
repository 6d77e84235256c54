using Dispatch.Domain.City;

namespace Dispatch.Domain.Tests.City;

public sealed class DistrictTests
{
    [Fact]
    public void Grids_of_one_district_form_it_with_their_residents_added_up()
    {
        var small = new SmallCity();
        small.Grids[0] = small.Grids[0] with { District = "lixia", DistrictName = "历下区", Population = 12_000 };
        small.Grids[1] = small.Grids[1] with { District = "lixia", Population = 8_000 };

        var district = Assert.Single(small.Build().Districts);

        Assert.Equal(("lixia", "历下区", 20_000), (district.Id, district.Name, district.Population));
        Assert.Equal(["G-1", "G-2"], district.GridIds);
    }

    [Fact]
    public void A_grid_without_a_district_is_a_district_of_its_own_and_an_unknown_population_makes_the_sum_unknown()
    {
        var small = new SmallCity();
        small.Grids[0] = small.Grids[0] with { Population = 5_000 };

        var city = small.Build();

        Assert.Equal(["G-1", "G-2"], city.Districts.Select(d => d.Id));
        Assert.Equal("历下-01", city.FindDistrict("G-1")!.Name);
        Assert.Equal(5_000, city.FindDistrict("G-1")!.Population);
        Assert.Null(city.FindDistrict("G-2")!.Population);
    }

    [Fact]
    public void District_population_and_name_round_trip_through_the_city_file()
    {
        var small = new SmallCity();
        small.Grids[0] = small.Grids[0] with { District = "lixia", DistrictName = "历下区", Population = 12_345 };

        var back = CityGeoJson.Read(CityGeoJson.Write(small.Build()));

        Assert.Equal(("lixia", "历下区", (int?)12_345), (back.Grids[0].District, back.Grids[0].DistrictName, back.Grids[0].Population));
        Assert.Null(back.Grids[1].District);
        Assert.Null(back.Grids[1].Population);
    }

    [Theory]
    [InlineData("\"population\": -1", "population")]
    [InlineData("\"population\": 2.5", "population")]
    [InlineData("\"district\": \"\"", "district")]
    [InlineData("\"district\": \"历下\"", "district '历下'")]
    public void A_bad_district_or_population_is_refused_naming_the_grid_feature(string property, string named)
    {
        var json = CityGeoJson.Write(new SmallCity().Build()).Replace("\"stationId\":\"S-2\"", $"\"stationId\":\"S-2\",{property}", StringComparison.Ordinal);

        var error = Assert.Throws<CityFormatException>(() => CityGeoJson.Read(json));

        Assert.Equal(1, error.FeatureIndex);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_district_named_two_ways_is_refused()
    {
        var small = new SmallCity();
        small.Grids[0] = small.Grids[0] with { District = "lixia", DistrictName = "历下区" };
        small.Grids[1] = small.Grids[1] with { District = "lixia", DistrictName = "历城区" };

        var error = Assert.Throws<ArgumentException>(small.Build);

        Assert.Contains("district 'lixia' is named both '历下区' and '历城区'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_demo_city_has_five_districts_and_about_nine_hundred_thousand_residents()
    {
        var city = DemoCity.Generate(seed: 7);

        Assert.Equal(["huaiyin", "licheng", "lixia", "shizhong", "tianqiao"], city.Districts.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.All(city.Grids, g => Assert.InRange(g.Population!.Value, 5_000, 32_000));
        Assert.InRange(city.Districts.Sum(d => d.Population!.Value), 700_000, 1_100_000);
        Assert.Equal("历下区", city.FindDistrict("lixia")!.Name);
    }
}
