using System.Collections.Concurrent;
using System.Text.Json;
using Dispatch.Abstractions.GridEvents;
using Dispatch.Domain.GridEvents;
using Dispatch.Server.Live;
using Dispatch.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Dispatch.Server.GridEvents;

/// <summary>What a live grid event view starts from: the open events the caller may see and the sequence number deltas follow.</summary>
public sealed record GridEventsSnapshot(long Seq, DateTimeOffset ServerTime, IReadOnlyList<GridEventView> Events);

/// <summary>One change of one event: reported, a step, or its time limit passing (<c>Item.Overdue</c> turns true).</summary>
public sealed record GridEventDelta(long Seq, string Change, GridEventView Item);

/// <summary>
/// /hubs/grid-events: grid events as they change, for the operator map's layer and the department queue.
/// <see cref="Subscribe"/> returns the open events the caller may see and joins the groups of what it may read: the
/// command centre and viewers everything, a department its departments' events, a grid worker its own reports.
/// Deltas (<see cref="Changed"/>) with a higher sequence number follow. Residents' contacts are never pushed.
/// </summary>
[Authorize(Policy = Policies.ReadGridEvents)]
public sealed class GridEventsHub(GridEventDesk desk, GridEventFeed feed) : Hub
{
    public const string Path = "/hubs/grid-events";

    /// <summary>The delta's SignalR method name.</summary>
    public const string Changed = "GridEventChanged";

    public async Task<GridEventsSnapshot> Subscribe()
    {
        var actor = GridEventActor.Of(Context.User ?? throw new HubException("not signed in"));

        // Join first, then read: every change after the snapshot's Seq reaches this connection.
        foreach (var group in GridEventFeed.GroupsOf(actor))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        }

        var seq = feed.Seq;
        var events = await desk.ListOpenAsync(actor, Context.ConnectionAborted);
        return new GridEventsSnapshot(seq, desk.Clock.GetUtcNow(), [.. events.Select(GridEventFeed.Public)]);
    }
}

/// <summary>
/// Pushes every committed grid event change to the hub's groups that may read it, and keeps one timer per open event
/// on the host's <see cref="TimeProvider"/> that fires when its time limit passes: the event is escalated to its
/// district then (or, in a state that cannot be escalated, pushed again marked overdue), so a breach shows the moment
/// it happens. The periodic sweep (<see cref="GridEventSlaWatch"/>) stays as the backstop for events another host
/// reported. Each change also goes to the other hosts of a cluster through the live notifier (<see cref="LiveRelay"/>,
/// as <see cref="GridEventRelayed"/>), which push it to their own clients in the same groups: a page on any host sees
/// a change made on any other live, and only what its user may read.
/// </summary>
public sealed partial class GridEventFeed(
    GridEventDesk desk, IGridEventStore store, IHubContext<GridEventsHub> hub, TimeProvider timeProvider,
    IGrainFactory grains, LiveRelay relay, ILogger<GridEventFeed> logger)
    : IHostedService, IDisposable
{
    private static readonly JsonSerializerOptions RelayJson = new(JsonSerializerDefaults.Web);

    public const string AllGroup = "grid-events:all";

    /// <summary>Most events whose last pushed version is remembered; past it the memory starts again.</summary>
    internal const int MaxRememberedVersions = 50_000;

    private readonly ConcurrentDictionary<string, ITimer> _timers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _pushedVersions = new(StringComparer.Ordinal);
    private long _seq;
    private volatile bool _stopped;

    /// <summary>The sequence number of the last change pushed.</summary>
    public long Seq => Interlocked.Read(ref _seq);

    /// <summary>Open events whose time limit is still to pass on this host's clock.</summary>
    public int Watched => _timers.Count;

    public static string DepartmentGroup(string department) => "grid-events:department:" + department;

    public static string ReporterGroup(string reporter) => "grid-events:reporter:" + reporter;

    /// <summary>The groups a principal's connection joins: exactly what <see cref="GridEventActor.MaySee"/> lets it read.</summary>
    public static IEnumerable<string> GroupsOf(GridEventActor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Reads)
        {
            yield return AllGroup;
            yield break;
        }

        foreach (var department in actor.Departments ?? new HashSet<string>())
        {
            yield return DepartmentGroup(department);
        }

        if (actor.IsGridWorker)
        {
            yield return ReporterGroup(actor.Name);
        }
    }

    /// <summary>A view fit to push: without the resident's contact (wall displays show these).</summary>
    public static GridEventView Public(GridEventView view) => view with { Contact = null, Journal = null };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        desk.Committed += OnCommitted;
        relay.Received += OnRelayed;
        try
        {
            foreach (var e in await store.FindAsync(new GridEventFilter { States = GridEventDesk.OpenStates, Limit = 100_000 }, cancellationToken))
            {
                Watch(e);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Events reported from now on are watched; those already open are still escalated by the sweep.
            LogLoadFailed(logger, ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        desk.Committed -= OnCommitted;
        relay.Received -= OnRelayed;
        foreach (var id in _timers.Keys)
        {
            if (_timers.TryRemove(id, out var timer))
            {
                timer.Dispose();
            }
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Dispose();
        }

        _timers.Clear();
    }

    private void OnCommitted(GridEventRecord after, GridEventRecord? before)
    {
        Watch(after);
        Publish(after, before is null ? "reported" : GridEventMachine.Name(after.State), before?.Department);
    }

    /// <summary>A timer for an open event whose limit is still ahead; none (and any old one dropped) otherwise.</summary>
    private void Watch(GridEventRecord e)
    {
        var left = e.DueAt - timeProvider.GetUtcNow();
        if (_stopped || !GridEventMachine.IsOpen(e.State) || left <= TimeSpan.Zero)
        {
            if (_timers.TryRemove(e.EventId, out var old))
            {
                old.Dispose();
            }

            return;
        }

        if (_timers.ContainsKey(e.EventId))
        {
            return; // An event's time limit never moves: its timer stands.
        }

        var id = e.EventId;
        var timer = timeProvider.CreateTimer(_ => _ = Task.Run(() => BreachAsync(id)), null, left, Timeout.InfiniteTimeSpan);
        if (!_timers.TryAdd(id, timer))
        {
            timer.Dispose();
        }
    }

    private async Task BreachAsync(string eventId)
    {
        if (_timers.TryRemove(eventId, out var timer))
        {
            await timer.DisposeAsync();
        }

        if (_stopped)
        {
            return;
        }

        try
        {
            var (e, escalated) = await desk.EscalateIfOverdueAsync(eventId, CancellationToken.None);
            if (escalated)
            {
                LogBreached(logger, eventId);
            }
            else if (e is not null && GridEventMachine.IsOpen(e.State))
            {
                // Not escalated here (a report not yet accepted, or escalated by hand or by another host): still, its
                // time limit passed now, and the views show it.
                Publish(e, "overdue", null);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBreachFailed(logger, eventId, ex);
        }
    }

    private void Publish(GridEventRecord e, string change, string? previousDepartment)
    {
        var view = Public(desk.View(e, null));
        if (!IsLatest(view))
        {
            // Another host's newer step of this event was pushed here already.
            return;
        }

        var delta = new GridEventDelta(Interlocked.Increment(ref _seq), change, view);
        var groups = new List<string> { AllGroup, DepartmentGroup(e.Department) };
        if (previousDepartment is not null && previousDepartment != e.Department)
        {
            groups.Add(DepartmentGroup(previousDepartment));
        }

        if (e.ReporterKind == GridEventReporterKind.GridWorker && e.Reporter is { } reporter)
        {
            groups.Add(ReporterGroup(reporter));
        }

        _ = SendAsync(groups, delta);
        _ = RelayAsync(new GridEventRelayed(relay.HostId, change, groups, JsonSerializer.Serialize(delta.Item, RelayJson)));
    }

    /// <summary>Another host's change: pushed here in the groups it named, under this host's sequence.</summary>
    private void OnRelayed(RelayedMessage message)
    {
        if (_stopped || message is not GridEventRelayed relayed)
        {
            return;
        }

        var item = JsonSerializer.Deserialize<GridEventView>(relayed.ViewJson, RelayJson)
            ?? throw new InvalidOperationException("a relayed grid event without its view");
        if (!IsLatest(item))
        {
            // Changes from another host may overtake each other on the way (batches are sent concurrently): a step
            // older than one already pushed would turn the event back on the pages.
            return;
        }

        _ = SendAsync(relayed.Groups, new GridEventDelta(Interlocked.Increment(ref _seq), relayed.Change, item));
    }

    /// <summary>True, and remembered, when no later version of the event was pushed from this host (the same version may be pushed again, e.g. overdue).</summary>
    private bool IsLatest(GridEventView item)
    {
        if (_pushedVersions.Count >= MaxRememberedVersions)
        {
            _pushedVersions.Clear();
        }

        while (true)
        {
            if (!_pushedVersions.TryGetValue(item.EventId, out var pushed))
            {
                if (_pushedVersions.TryAdd(item.EventId, item.Version))
                {
                    return true;
                }
            }
            else if (item.Version < pushed)
            {
                return false;
            }
            else if (_pushedVersions.TryUpdate(item.EventId, item.Version, pushed))
            {
                return true;
            }
        }
    }

    private async Task RelayAsync(GridEventRelayed message)
    {
        try
        {
            await grains.GetGrain<ILiveNotifierGrain>(0).PublishAsync(message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Pages on the other hosts catch up at their next snapshot.
            LogRelayFailed(logger, message.Change, ex);
        }
    }

    private async Task SendAsync(IReadOnlyList<string> groups, GridEventDelta delta)
    {
        try
        {
            await hub.Clients.Groups(groups).SendAsync(GridEventsHub.Changed, delta);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A page that misses a delta catches up at its next reconnect's snapshot.
            LogSendFailed(logger, delta.Item.EventId, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grid event {EventId} passed its time limit and was escalated to its district")]
    private static partial void LogBreached(ILogger logger, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grid event {EventId}: acting on its time limit failed; the sweep tries again")]
    private static partial void LogBreachFailed(ILogger logger, string eventId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Open grid events could not be read at start; their time limits are left to the sweep")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A grid event change ({Change}) could not be sent to the other hosts")]
    private static partial void LogRelayFailed(ILogger logger, string change, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pushing grid event {EventId} failed")]
    private static partial void LogSendFailed(ILogger logger, string eventId, Exception exception);
}

/// <summary>A grid event change for the other hosts' clients: the groups that may read it and its public view (JSON, as pushed).</summary>
[GenerateSerializer]
[Alias("grid-events.relayed")]
public sealed record GridEventRelayed(
    string OriginHostId,
    [property: Id(0)] string Change,
    [property: Id(1)] IReadOnlyList<string> Groups,
    [property: Id(2)] string ViewJson) : RelayedMessage(OriginHostId);
