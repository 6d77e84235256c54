namespace Dispatch.Domain.Units;

/// <summary>The states a patrol unit passes through; transitions are governed by <c>UnitStatusMachine</c>.</summary>
public enum UnitStatus
{
    Available = 0,
    Dispatched = 1,
    Acknowledged = 2,
    EnRoute = 3,
    OnScene = 4,
    Clearing = 5,
    OutOfService = 6,
}
