using Dispatch.Domain.City;
using Dispatch.Server.GridEvents;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Server.Tests.Security;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.GridEvents;

/// <summary>Grid events for tests: a report body inside the city, and events made through the desk in a given state.</summary>
public static class GridEventFixtures
{
    public static readonly GridEventActor Operator = new("t-operator", Commands: true, Reads: true, IsGridWorker: false, Departments: null);

    public static readonly GridEventActor GridWorker = new(TestAccounts.GridWorker, Commands: false, Reads: false, IsGridWorker: true, Departments: null);

    /// <summary>A real JPEG, base64.</summary>
    public static string Photo() => Convert.ToBase64String(AlertTestHost.Jpeg().ToByteArray());

    /// <summary>A broken street light (the power department's) inside the first grid, with a photo; a contact makes it a resident's.</summary>
    public static GridEventReportRequest Report(CityModel city, string? contact = null, bool photo = true)
    {
        var inside = city.Grids[0].Boundary.InteriorPoint;
        return new GridEventReportRequest("street-light", inside.Y, inside.X, "路灯不亮 the street light is out", photo ? [Photo()] : [], contact);
    }

    /// <summary>Takes an event through accept, assign, start and resolve as the command centre.</summary>
    public static async Task ResolveAsync(GridEventDesk desk, string eventId)
    {
        foreach (var step in new[] { "accept", "assign", "start", "resolve" })
        {
            var (_, refusal) = await desk.StepAsync(eventId, step, null, Operator, TestContext.Current.CancellationToken);
            if (refusal is not null)
            {
                throw new InvalidOperationException(refusal.Error);
            }
        }
    }

    public static async Task<(string EventId, string Code)> ResidentAsync(MatrixHost host, bool resolved = false)
    {
        var desk = host.Service<GridEventDesk>();
        var (view, code, refusal) = await desk.ReportAsync(Report(host.City, contact: "138 0000 0000", photo: false), null, TestContext.Current.CancellationToken);
        if (refusal is not null)
        {
            throw new InvalidOperationException(refusal.Error);
        }

        if (resolved)
        {
            await ResolveAsync(desk, view!.EventId);
        }

        return (view!.EventId, code!);
    }

    /// <summary>A grid worker's street-light report (so the grid worker, the power department and the board all see it).</summary>
    public static async Task<string> WorkersEventAsync(MatrixHost host, bool photo = false, bool resolved = false)
    {
        var desk = host.Service<GridEventDesk>();
        var (view, _, refusal) = await desk.ReportAsync(Report(host.City, photo: photo), GridWorker, TestContext.Current.CancellationToken);
        if (refusal is not null)
        {
            throw new InvalidOperationException(refusal.Error);
        }

        if (resolved)
        {
            await ResolveAsync(desk, view!.EventId);
        }

        return view!.EventId;
    }
}
