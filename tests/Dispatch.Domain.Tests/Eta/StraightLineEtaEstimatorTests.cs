using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Tests.Eta;

public sealed class StraightLineEtaEstimatorTests
{
    private static readonly GeoPoint Incident = new(36.6512, 117.1201);

    [Fact]
    public void A_car_one_kilometre_away_takes_distance_times_detour_over_speed()
    {
        var estimator = new StraightLineEtaEstimator();
        var from = GreatCircle.Offset(Incident, 600, 800);

        var etaSeconds = estimator.EtaSeconds(from, UnitKind.Car, Incident);

        // 1000 m x 1.4 at 40 km/h.
        Assert.Equal(1000 * 1.4 / (40 / 3.6), etaSeconds, 1e-6);
    }

    [Theory]
    [InlineData(UnitKind.Car, 60.0)]
    [InlineData(UnitKind.Motorcycle, 30.0)]
    [InlineData(UnitKind.Bicycle, 12.0)]
    [InlineData(UnitKind.Foot, 4.0)]
    public void Each_kind_travels_at_its_own_configured_speed(UnitKind kind, double speedKmh)
    {
        var options = new StraightLineEtaOptions
        {
            DetourFactor = 1,
            CarSpeedKmh = 60,
            MotorcycleSpeedKmh = 30,
            BicycleSpeedKmh = 12,
            FootSpeedKmh = 4,
        };
        var estimator = new StraightLineEtaEstimator(options);
        var from = GreatCircle.Offset(Incident, 3000, 0);

        var etaSeconds = estimator.EtaSeconds(from, kind, Incident);

        Assert.Equal(3000 / (speedKmh / 3.6), etaSeconds, 1e-6);
    }

    [Fact]
    public void Eta_grows_in_proportion_to_the_detour_factor()
    {
        var from = GreatCircle.Offset(Incident, 2000, -1500);
        var direct = new StraightLineEtaEstimator(new StraightLineEtaOptions { DetourFactor = 1 }).EtaSeconds(from, UnitKind.Bicycle, Incident);

        var winding = new StraightLineEtaEstimator(new StraightLineEtaOptions { DetourFactor = 2.5 }).EtaSeconds(from, UnitKind.Bicycle, Incident);

        Assert.Equal(direct * 2.5, winding, 1e-9);
    }

    [Fact]
    public void A_unit_at_the_destination_has_zero_eta()
    {
        Assert.Equal(0, new StraightLineEtaEstimator().EtaSeconds(Incident, UnitKind.Foot, Incident));
    }

    [Fact]
    public void EstimateTo_writes_each_origin_eta_in_order()
    {
        var estimator = new StraightLineEtaEstimator();
        EtaOrigin[] origins =
        [
            new(GreatCircle.Offset(Incident, 5000, 0), UnitKind.Foot),
            new(GreatCircle.Offset(Incident, 0, 1000), UnitKind.Car),
            new(Incident, UnitKind.Motorcycle),
        ];
        var etaSeconds = new double[3];

        estimator.EstimateTo(Incident, origins, etaSeconds);

        for (var i = 0; i < origins.Length; i++)
        {
            Assert.Equal(estimator.EtaSeconds(origins[i].Position, origins[i].Kind, Incident), etaSeconds[i]);
        }

        Assert.True(etaSeconds[0] > etaSeconds[1]);
        Assert.Equal(0, etaSeconds[2]);
    }

    [Fact]
    public void EstimateTo_accepts_no_origins()
    {
        new StraightLineEtaEstimator().EstimateTo(Incident, [], []);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    public void EstimateTo_refuses_spans_of_different_lengths(int originCount, int etaCount)
    {
        var estimator = new StraightLineEtaEstimator();
        var origins = Enumerable.Repeat(new EtaOrigin(Incident, UnitKind.Car), originCount).ToArray();
        var etaSeconds = new double[etaCount];

        var error = Assert.Throws<ArgumentException>(() => estimator.EstimateTo(Incident, origins, etaSeconds));

        Assert.Contains($"length {etaCount}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{originCount} origins", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_is_straight_line()
    {
        Assert.Equal("straight-line", new StraightLineEtaEstimator().Name);
    }

    [Fact]
    public void Changing_options_after_construction_does_not_change_a_running_estimator()
    {
        var options = new StraightLineEtaOptions();
        var estimator = new StraightLineEtaEstimator(options);
        var from = GreatCircle.Offset(Incident, 1000, 0);
        var before = estimator.EtaSeconds(from, UnitKind.Car, Incident);

        options.CarSpeedKmh = 80;

        Assert.Equal(before, estimator.EtaSeconds(from, UnitKind.Car, Incident));
    }

    [Fact]
    public void Constructor_refuses_invalid_options_with_the_configuration_message()
    {
        var error = Assert.Throws<ArgumentException>(() => new StraightLineEtaEstimator(new StraightLineEtaOptions { CarSpeedKmh = -3 }));

        Assert.Contains("Dispatch:Eta:StraightLine:CarSpeedKmh must be > 0 and finite, got -3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SpeedMetersPerSecond_converts_kilometres_per_hour()
    {
        var options = new StraightLineEtaOptions { MotorcycleSpeedKmh = 36 };

        Assert.Equal(10, options.SpeedMetersPerSecond(UnitKind.Motorcycle), 1e-12);
    }

    [Fact]
    public void SpeedMetersPerSecond_refuses_an_unknown_kind()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StraightLineEtaOptions().SpeedMetersPerSecond((UnitKind)42));
    }
}
