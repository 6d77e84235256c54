namespace Dispatch.Domain;

/// <summary>
/// The outcome of an operation that can be refused for a reason a user should read
/// (an illegal status change, an invalid position). Refusals are values, not exceptions,
/// so grains and hubs can pass the reason on unchanged.
/// </summary>
public readonly record struct Result<T>
{
    private Result(T? value, string? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    /// <summary>Why the operation was refused; null when it succeeded.</summary>
    public string? Error { get; }

    public bool IsOk => Error is null;

    public static Result<T> Ok(T value) => new(value, null);

    public static Result<T> Fail(string error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return new(default, error);
    }

    /// <summary>The value, or an <see cref="InvalidOperationException"/> carrying the refusal.</summary>
    public T GetValueOrThrow() => IsOk ? Value! : throw new InvalidOperationException(Error);

    public override string ToString() => IsOk ? $"Ok({Value})" : $"Fail({Error})";
}
