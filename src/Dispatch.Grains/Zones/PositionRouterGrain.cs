using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.Zones;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Dispatch.Grains.Zones;

/// <summary>
/// Splits a batch of GPS fixes by the zones that index each position and sends each zone its part in one call; hands
/// the batch to live views and to the silo's <see cref="PositionLedger"/>, which saves last positions in bulk. A
/// stateless worker, so a host's batches never leave its silo before they are split.
/// </summary>
[StatelessWorker]
public sealed class PositionRouterGrain(
    PositionLedger ledger,
    IDispatchEventSink events,
    IOptions<DispatchGrainOptions> options) : Grain, IPositionRouterGrain
{
    public async Task RouteAsync(IReadOnlyList<UnitPositionReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count == 0)
        {
            return;
        }

        var margin = options.Value.ZoneMarginMeters;
        var byZone = new Dictionary<DispatchZone, List<UnitPositionReport>>();
        foreach (var report in reports)
        {
            foreach (var zone in DispatchZone.Within(report.Position, margin))
            {
                if (!byZone.TryGetValue(zone, out var part))
                {
                    byZone[zone] = part = [];
                }

                part.Add(report);
            }
        }

        foreach (var (zone, part) in byZone)
        {
            GrainFactory.GetGrain<IDispatcherGrain>(zone.Key).ApplyPositionsAsync(part).Ignore();
        }

        ledger.Record(reports);
        await events.UnitsMovedAsync(reports);
    }
}
