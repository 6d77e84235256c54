using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.Simulator.Scenario;

/// <summary>
/// The officer behind one patrol unit's terminal. Learns of assignments from the unit's pushed changes
/// (or by asking the unit grain now and then), acknowledges after a short delay (or never, for a few),
/// goes en route, drives to the scene at the unit kind's speed, arrives by GPS or by button, stays on
/// scene, clears and becomes available again. Anything the engine refuses ends the current response:
/// the unit was released (ack timeout, incident closed) and the officer waits for the next one.
/// </summary>
public sealed class SimulatedOfficer(
    PatrolUnitSpec unit,
    IGrainFactory grains,
    AcceleratedTimeProvider clock,
    Mailbox<UnitView> mailbox,
    ResponderBehaviour behaviour,
    ScenarioCounters counters,
    int seed)
{
    private readonly Random _random = new(seed);
    private readonly HashSet<long> _handled = [];
    private readonly string _actor = Actors.Unit(unit.Id);

    private IPatrolUnitGrain Grain => grains.GetGrain<IPatrolUnitGrain>(unit.Id);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var changed = mailbox.Changed;
                var view = mailbox.Latest;
                if (view?.Assignment is { } assignment && _handled.Add(assignment.AssignmentNumber))
                {
                    await RespondAsync(view, assignment, cancellationToken);
                    continue;
                }

                if (view?.Status == UnitStatus.Clearing && view.Assignment is null)
                {
                    // Released while on scene: finish the paperwork and report back.
                    await PerformAsync(TerminalAction.Available);
                    continue;
                }

                var versionAtPoll = mailbox.Version;
                var poll = Task.Delay(behaviour.TerminalPollInterval, clock, cancellationToken);
                if (await Task.WhenAny(changed, poll) == poll)
                {
                    await poll;
                    if (await GetAsync() is { } polled)
                    {
                        mailbox.Offer(polled, versionAtPoll);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The scenario is over.
        }
    }

    private async Task RespondAsync(UnitView view, UnitAssignment assignment, CancellationToken cancellationToken)
    {
        if (_random.NextDouble() < behaviour.IgnoreFraction)
        {
            // Never acknowledged: the incident's ack deadline releases the unit and dispatches another.
            counters.OnIgnored();
            return;
        }

        await DelayAsync(ResponderBehaviour.Between(_random, behaviour.AckDelayMin, behaviour.AckDelayMax), cancellationToken);
        if (!Holds(assignment) || !await PerformAsync(TerminalAction.Acknowledge))
        {
            return;
        }

        counters.OnAcknowledged();
        await DelayAsync(ResponderBehaviour.Between(_random, TimeSpan.Zero, behaviour.EnRouteDelayMax), cancellationToken);
        if (!Holds(assignment) || !await PerformAsync(TerminalAction.EnRoute))
        {
            return;
        }

        var from = mailbox.Latest?.Position ?? view.Position ?? unit.Start;
        var to = assignment.IncidentLocation;
        var driveSeconds = GreatCircle.DistanceMeters(from, to) * behaviour.Driving.DetourFactor / behaviour.Driving.SpeedMetersPerSecond(unit.Kind);
        var arrived = _random.NextDouble() < behaviour.GpsArrivalFraction
            ? await DriveReportingPositionsAsync(assignment, from, to, TimeSpan.FromSeconds(driveSeconds), cancellationToken)
            : await DriveThenPressOnSceneAsync(assignment, to, TimeSpan.FromSeconds(driveSeconds), cancellationToken);
        if (!arrived)
        {
            return;
        }

        await DelayAsync(ResponderBehaviour.Between(_random, behaviour.OnSceneMin, behaviour.OnSceneMax), cancellationToken);
        if (!Holds(assignment) || !await PerformAsync(TerminalAction.Clear))
        {
            return;
        }

        counters.OnCleared();
        await DelayAsync(ResponderBehaviour.Between(_random, behaviour.ClearingMin, behaviour.ClearingMax), cancellationToken);
        await PerformAsync(TerminalAction.Available);
    }

    /// <summary>GPS on: positions along the way; the unit grain sees the last one inside the arrival radius.</summary>
    private async Task<bool> DriveReportingPositionsAsync(UnitAssignment assignment, GeoPoint from, GeoPoint to, TimeSpan drive, CancellationToken cancellationToken)
    {
        var steps = Math.Max(1, (int)Math.Ceiling(drive / behaviour.PositionInterval));
        for (var step = 1; step <= steps; step++)
        {
            await DelayAsync(drive / steps, cancellationToken);
            if (!Holds(assignment))
            {
                return false;
            }

            var fraction = (double)step / steps;
            var position = step == steps
                ? to
                : new GeoPoint(from.Latitude + ((to.Latitude - from.Latitude) * fraction), from.Longitude + ((to.Longitude - from.Longitude) * fraction));
            if (!await ReportPositionAsync(position))
            {
                return false;
            }
        }

        var now = await GetAsync();
        if (now?.Assignment?.AssignmentNumber == assignment.AssignmentNumber && now.Status == UnitStatus.OnScene)
        {
            counters.OnGpsArrival();
            return true;
        }

        // Still held but not on scene: the radius did not trigger, so press the button.
        return now?.Assignment?.AssignmentNumber == assignment.AssignmentNumber && await PressOnSceneAsync();
    }

    /// <summary>GPS off: drive, press on scene, then the terminal reports where it stands.</summary>
    private async Task<bool> DriveThenPressOnSceneAsync(UnitAssignment assignment, GeoPoint to, TimeSpan drive, CancellationToken cancellationToken)
    {
        await DelayAsync(drive, cancellationToken);
        if (!Holds(assignment) || !await PressOnSceneAsync())
        {
            return false;
        }

        await ReportPositionAsync(to);
        return true;
    }

    private async Task<bool> PressOnSceneAsync()
    {
        if (!await PerformAsync(TerminalAction.OnScene))
        {
            return false;
        }

        counters.OnButtonArrival();
        return true;
    }

    /// <summary>False once a pushed change shows the unit no longer holds this assignment.</summary>
    private bool Holds(UnitAssignment assignment) =>
        mailbox.Latest is not { } latest || latest.Assignment?.AssignmentNumber == assignment.AssignmentNumber;

    private Task DelayAsync(TimeSpan simulated, CancellationToken cancellationToken) =>
        simulated <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(simulated, clock, cancellationToken);

    private async Task<bool> PerformAsync(TerminalAction action)
    {
        try
        {
            var result = await Grain.PerformAsync(action, _actor);
            if (!result.Ok)
            {
                counters.OnRefused();
            }

            return result.Ok;
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException)
        {
            counters.OnCallFailed();
            return false;
        }
    }

    private async Task<UnitView?> GetAsync()
    {
        try
        {
            return await Grain.GetAsync();
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException)
        {
            counters.OnCallFailed();
            return null;
        }
    }

    private async Task<bool> ReportPositionAsync(GeoPoint position)
    {
        try
        {
            return (await Grain.ReportPositionAsync(position)).Ok;
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException)
        {
            counters.OnCallFailed();
            return false;
        }
    }
}
