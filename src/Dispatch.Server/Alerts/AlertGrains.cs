using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.Live;

namespace Dispatch.Server.Alerts;

/// <summary>A camera alert as it arrived: what was seen, where, and the snapshot with its boxes.</summary>
[GenerateSerializer]
[Alias("live.alert-record")]
public sealed record AlertRecord(
    [property: Id(0)] string AlertId,
    [property: Id(1)] string CameraId,
    [property: Id(2)] string CameraName,
    [property: Id(3)] string Kind,
    [property: Id(4)] double Confidence,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] double Latitude,
    [property: Id(7)] double Longitude,
    [property: Id(8)] string? GridId,
    [property: Id(9)] IReadOnlyList<AlertBox> Boxes);

/// <summary>A snapshot image and its media type.</summary>
[GenerateSerializer]
[Alias("live.alert-snapshot")]
public sealed record AlertSnapshot([property: Id(0)] byte[] Content, [property: Id(1)] string ContentType);

/// <summary>One alert (key: alert id): raised once however often the gateway repeats it, then opened or dismissed.</summary>
[Alias("live.IAlertGrain")]
public interface IAlertGrain : IGrainWithStringKey
{
    /// <summary>True when this call raised it; false when the alert id was already known (a repeat).</summary>
    [Alias("raise")]
    Task<bool> RaiseAsync(AlertRecord alert, AlertSnapshot? snapshot);

    [Alias("get")]
    Task<LiveAlert?> GetAsync();

    [Alias("snapshot")]
    Task<AlertSnapshot?> GetSnapshotAsync();

    /// <summary>Opens an incident at the camera's location; returns its id. Refused if dismissed or already opened.</summary>
    [Alias("open-incident")]
    Task<IntakeResult> OpenIncidentAsync(string type, IncidentPriority priority, string actor);

    [Alias("dismiss")]
    Task<CommandResult> DismissAsync(string reason, string actor);
}

/// <summary>The ids of recent alerts (key <see cref="DefaultKey"/>), for pages and hosts that start late.</summary>
[Alias("live.IAlertFeedGrain")]
public interface IAlertFeedGrain : IGrainWithStringKey
{
    public const string DefaultKey = "city";

    [Alias("add")]
    Task AddAsync(string alertId);

    /// <summary>Newest first.</summary>
    [Alias("recent")]
    Task<IReadOnlyList<string>> GetRecentAsync();
}

/// <summary>Which camera channels are offline (key <see cref="DefaultKey"/>); offline is the exception, so only those are kept.</summary>
[Alias("live.ICameraHealthGrain")]
public interface ICameraHealthGrain : IGrainWithStringKey
{
    public const string DefaultKey = "city";

    [Alias("set")]
    Task SetAsync(string cameraId, bool online, string? gridId);

    [Alias("offline")]
    Task<IReadOnlyList<LiveCamera>> GetOfflineAsync();
}

[GenerateSerializer]
[Alias("live.alert-state")]
public sealed class AlertGrainState
{
    [Id(0)]
    public AlertRecord? Alert { get; set; }

    [Id(1)]
    public AlertSnapshot? Snapshot { get; set; }

    [Id(2)]
    public AlertState State { get; set; }

    [Id(3)]
    public string? IncidentId { get; set; }

    [Id(4)]
    public string? DismissReason { get; set; }
}

public sealed class AlertGrain(
    [PersistentState("alert", DispatchStorage.ProviderName)] IPersistentState<AlertGrainState> state) : Grain, IAlertGrain
{
    private string AlertId => this.GetPrimaryKeyString();

    public async Task<bool> RaiseAsync(AlertRecord alert, AlertSnapshot? snapshot)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (state.State.Alert is not null)
        {
            return false;
        }

        state.State.Alert = alert;
        state.State.Snapshot = snapshot;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IAlertFeedGrain>(IAlertFeedGrain.DefaultKey).AddAsync(AlertId);
        await PublishAsync();
        return true;
    }

    public Task<LiveAlert?> GetAsync() => Task.FromResult(View());

    public Task<AlertSnapshot?> GetSnapshotAsync() => Task.FromResult(state.State.Snapshot);

    public async Task<IntakeResult> OpenIncidentAsync(string type, IncidentPriority priority, string actor)
    {
        if (state.State.Alert is not { } alert)
        {
            return new IntakeResult(null, $"unknown alert '{AlertId}'");
        }

        if (state.State.State != AlertState.New)
        {
            return new IntakeResult(null, $"alert '{AlertId}' is already {state.State.State}");
        }

        var report = new IncidentReport(
            string.IsNullOrWhiteSpace(type) ? alert.Kind : type,
            priority,
            alert.Latitude,
            alert.Longitude,
            $"camera {alert.CameraName} ({alert.CameraId}): {alert.Kind}, confidence {alert.Confidence:P0}, alert {AlertId}",
            IncidentSource.Camera,
            actor);
        var result = await GrainFactory.GetGrain<IIntakeGrain>(0).ReportAsync(report);
        if (result.Ok)
        {
            state.State.State = AlertState.Opened;
            state.State.IncidentId = result.IncidentId;
            await state.WriteStateAsync();
            await PublishAsync();
        }

        return result;
    }

    public async Task<CommandResult> DismissAsync(string reason, string actor)
    {
        if (state.State.Alert is null)
        {
            return CommandResult.Refused($"unknown alert '{AlertId}'");
        }

        if (state.State.State != AlertState.New)
        {
            return CommandResult.Refused($"alert '{AlertId}' is already {state.State.State}");
        }

        state.State.State = AlertState.Dismissed;
        state.State.DismissReason = string.IsNullOrWhiteSpace(reason) ? $"false alarm ({actor})" : $"{reason} ({actor})";
        await state.WriteStateAsync();
        await PublishAsync();
        return CommandResult.Success;
    }

    private LiveAlert? View() => state.State.Alert is not { } a
        ? null
        : new LiveAlert(a.AlertId, a.CameraId, a.CameraName, a.Kind, a.Confidence, a.At, a.Latitude, a.Longitude, a.GridId,
            state.State.State, state.State.IncidentId,
            state.State.Snapshot is null ? null : $"/api/live/alerts/{Uri.EscapeDataString(a.AlertId)}/snapshot",
            a.Boxes);

    private Task PublishAsync() =>
        GrainFactory.GetGrain<ILiveNotifierGrain>(0).PublishAsync(new AlertUpdate(LiveVersions.Next("alert:" + AlertId), View()!));
}

[GenerateSerializer]
[Alias("live.id-list-state")]
public sealed class RecentIdsState
{
    [Id(0)]
    public List<string> Ids { get; set; } = [];
}

public sealed class AlertFeedGrain(
    [PersistentState("alert-feed", DispatchStorage.ProviderName)] IPersistentState<RecentIdsState> state) : Grain, IAlertFeedGrain
{
    /// <summary>The alert panel shows the latest ones; older alerts live on in their own grains.</summary>
    internal const int Capacity = 200;

    public async Task AddAsync(string alertId)
    {
        var ids = state.State.Ids;
        ids.Add(alertId);
        if (ids.Count > Capacity)
        {
            ids.RemoveRange(0, ids.Count - Capacity);
        }

        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> GetRecentAsync() => Task.FromResult<IReadOnlyList<string>>([.. Enumerable.Reverse(state.State.Ids)]);
}

public sealed class CameraHealthGrain(TimeProvider clock) : Grain, ICameraHealthGrain
{
    // Soft state: gateways report health continually, so a restart re-learns it within a heartbeat.
    private readonly Dictionary<string, LiveCamera> _offline = new(StringComparer.Ordinal);

    public async Task SetAsync(string cameraId, bool online, string? gridId)
    {
        var wasOffline = _offline.ContainsKey(cameraId);
        if (wasOffline != online)
        {
            return;
        }

        var camera = new LiveCamera(cameraId, online, clock.GetUtcNow(), gridId);
        if (online)
        {
            _offline.Remove(cameraId);
        }
        else
        {
            _offline[cameraId] = camera;
        }

        await GrainFactory.GetGrain<ILiveNotifierGrain>(0).PublishAsync(new CameraUpdate(LiveVersions.Next("camera:" + cameraId), camera));
    }

    public Task<IReadOnlyList<LiveCamera>> GetOfflineAsync() => Task.FromResult<IReadOnlyList<LiveCamera>>([.. _offline.Values]);
}
