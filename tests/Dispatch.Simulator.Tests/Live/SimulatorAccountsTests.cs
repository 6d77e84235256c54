using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Dispatch.Simulator.Live;
using Dispatch.Testing;

namespace Dispatch.Simulator.Tests.Live;

/// <summary>Who the simulator signs in as: read from the demo accounts file the host writes.</summary>
public sealed class SimulatorAccountsTests
{
    private static readonly PatrolUnitSpec UnitOne = new("U-0001", "car 1", UnitKind.Car, "S-01", new GeoPoint(36.66, 117.0));
    private static readonly PatrolUnitSpec UnitTwo = new("U-0002", "car 2", UnitKind.Car, "S-02", new GeoPoint(36.67, 117.0));

    [Fact]
    public void The_demo_accounts_file_gives_the_call_taker_and_each_units_own_officer()
    {
        using var directory = new TempDirectory("dispatch-sim-accounts");
        var path = directory.File("demo-accounts.txt");
        File.WriteAllText(path, string.Join('\n',
            "# kind\tname\tsecret\troles\tunits",
            "account\tviewer\tv-secret\tviewer\t",
            "account\toperator\to-secret\toperator\t",
            "account\tofficer-U-0001\tu1-secret\tofficer\tU-0001",
            "account\tstation-two\ts2-secret\tofficer\tstation:S-02",
            "gateway\tgw-1\tg-secret\t\t"));

        var accounts = SimulatorAccounts.Read(path);

        Assert.Equal(4, accounts.Count);
        Assert.Equal(("operator", "o-secret"), (SimulatorAccounts.CallTaker(accounts)!.Name, SimulatorAccounts.CallTaker(accounts)!.Password));
        Assert.Equal("officer-U-0001", SimulatorAccounts.OfficerFor(accounts, UnitOne)?.Name);
        Assert.Equal("station-two", SimulatorAccounts.OfficerFor(accounts, UnitTwo)?.Name);
    }

    [Fact]
    public void A_unit_no_officer_account_may_sign_onto_has_none()
    {
        SimulatorAccount[] accounts = [new("officer-U-0001", "x", ["officer"], ["U-0001"]), new("operator", "y", ["operator"], ["*"])];

        Assert.Null(SimulatorAccounts.OfficerFor(accounts, UnitTwo));
    }

    [Fact]
    public void The_live_command_needs_an_accounts_file()
    {
        var (options, error) = LiveSimulationOptions.Parse(["--host", "http://127.0.0.1:5080"]);

        Assert.Null(options);
        Assert.Contains("--accounts FILE is required", error, StringComparison.Ordinal);
    }
}
