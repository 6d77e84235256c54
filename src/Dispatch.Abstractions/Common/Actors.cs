namespace Dispatch.Abstractions.Common;

/// <summary>Who did something, as written into timelines: "system", "operator:alice", "unit:P-101", "station:S01".</summary>
public static class Actors
{
    public const string System = "system";

    public static string Operator(string name) => $"operator:{name}";

    public static string Unit(string unitId) => $"unit:{unitId}";

    public static string Station(string stationId) => $"station:{stationId}";
}
