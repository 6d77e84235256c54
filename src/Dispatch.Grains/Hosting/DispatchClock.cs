namespace Dispatch.Grains.Hosting;

/// <summary>
/// The dispatch grains read time from the <see cref="TimeProvider"/> registered under <see cref="ServiceKey"/>.
/// It is keyed because Orleans 10 itself resolves the unkeyed <see cref="TimeProvider"/> for membership
/// probes, response timeouts, activation collection and grain timers: a fake clock registered there would
/// stall or mass-expire those when a test moves it. Deadlines therefore use
/// <see cref="TimeProvider.CreateTimer"/> on this clock instead of grain timers.
/// </summary>
public static class DispatchClock
{
    public const string ServiceKey = "dispatch";
}
