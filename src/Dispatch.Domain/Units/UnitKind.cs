namespace Dispatch.Domain.Units;

/// <summary>How a patrol unit moves; speeds differ per kind.</summary>
public enum UnitKind
{
    Car = 0,
    Motorcycle = 1,
    Bicycle = 2,
    Foot = 3,
}
