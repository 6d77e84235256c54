using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;

namespace Dispatch.Simulator.Scenario;

/// <summary>
/// What happens at one incident apart from the patrol units: the station's staff, once committed, ride
/// to the scene and report on scene; when they are done and no unit holds the incident any more (or
/// after <see cref="ResponderBehaviour.IncidentMaxLifetime"/>), an operator closes it, which frees the
/// station's responders for the next incident.
/// </summary>
public sealed class IncidentScene(
    string incidentId,
    CityModel city,
    IGrainFactory grains,
    AcceleratedTimeProvider clock,
    Mailbox<IncidentView> mailbox,
    ResponderBehaviour behaviour,
    ScenarioCounters counters,
    int seed)
{
    public static readonly string ClosingOperator = Actors.Operator("scenario");

    private readonly Random _random = new(seed);

    private IIncidentGrain Grain => grains.GetGrain<IIncidentGrain>(incidentId);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            var settled = await WaitForAsync(v => v.DispatchSettled || v.Status != IncidentStatus.Open, null, cancellationToken);
            if (settled.Status != IncidentStatus.Open)
            {
                return;
            }

            var closeBy = settled.CreatedAt + behaviour.IncidentMaxLifetime;
            var stationTier = settled.Tiers.FirstOrDefault(t => t.Kind == TierKind.StationResponders && t.StationResponders > 0 && t.StationId is not null);
            if (stationTier is not null && city.FindStation(stationTier.StationId!) is { } station)
            {
                await StaffRespondAsync(station, settled.Location, cancellationToken);
            }

            var done = await WaitForAsync(v => v.Status != IncidentStatus.Open || !v.ActiveAssignments.Any(), closeBy, cancellationToken);
            if (done.Status == IncidentStatus.Open)
            {
                var closed = await Grain.CloseAsync("resolved on scene", ClosingOperator);
                if (closed.Ok)
                {
                    counters.OnClosed();
                }
                else
                {
                    counters.OnRefused();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The scenario is over.
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException)
        {
            counters.OnCallFailed();
        }
    }

    private async Task StaffRespondAsync(StationSpec station, GeoPoint scene, CancellationToken cancellationToken)
    {
        var rideSeconds = GreatCircle.DistanceMeters(station.Location, scene) * behaviour.Driving.DetourFactor / (behaviour.StaffSpeedKmh / 3.6);
        var setOff = ResponderBehaviour.Between(_random, behaviour.StaffReactionMin, behaviour.StaffReactionMax);
        await Task.Delay(setOff + TimeSpan.FromSeconds(rideSeconds), clock, cancellationToken);
        var reported = await Grain.ReportStationOnSceneAsync(Actors.Station(station.Id));
        if (reported.Ok)
        {
            counters.OnStaffOnScene();
        }
        else
        {
            counters.OnRefused();
        }

        await Task.Delay(ResponderBehaviour.Between(_random, behaviour.StaffOnSceneMin, behaviour.StaffOnSceneMax), clock, cancellationToken);
    }

    /// <summary>Waits for a pushed (or, failing that, polled) view that satisfies <paramref name="condition"/>, or until <paramref name="until"/>.</summary>
    private async Task<IncidentView> WaitForAsync(Func<IncidentView, bool> condition, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = mailbox.Changed;
            var view = mailbox.Latest;
            if (view is not null && (condition(view) || (until is { } limit && clock.GetUtcNow() >= limit)))
            {
                return view;
            }

            var wait = behaviour.ScenePollInterval;
            if (until is { } deadline && deadline - clock.GetUtcNow() < wait)
            {
                wait = deadline - clock.GetUtcNow();
            }

            var versionAtPoll = mailbox.Version;
            var poll = Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, clock, cancellationToken);
            if (await Task.WhenAny(changed, poll) == poll)
            {
                await poll;
                if (await Grain.GetAsync() is { } polled)
                {
                    mailbox.Offer(polled, versionAtPoll);
                }
            }
        }
    }
}
