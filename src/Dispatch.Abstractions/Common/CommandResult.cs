namespace Dispatch.Abstractions.Common;

/// <summary>
/// The outcome of a command sent to a grain: done, or refused with a reason a person should read
/// (an illegal status change, an unknown unit). A refusal changed nothing.
/// </summary>
[GenerateSerializer]
[Alias("dispatch.command-result")]
public sealed record CommandResult([property: Id(0)] bool Ok, [property: Id(1)] string? Error)
{
    public static CommandResult Success { get; } = new(true, null);

    public static CommandResult Refused(string error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return new(false, error);
    }

    public override string ToString() => Ok ? "Ok" : $"Refused({Error})";
}
