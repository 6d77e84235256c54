using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.Live;

namespace Dispatch.Server.Alerts;

/// <summary>
/// A camera alert the service accepted, as operators see it: what was seen, where, by which camera and gateway.
/// The snapshot itself stays in the <see cref="AlertArchive"/>; <see cref="HasSnapshot"/> says whether it has one.
/// </summary>
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
    [property: Id(9)] IReadOnlyList<AlertBox> Boxes,
    [property: Id(10)] string GatewayId,
    [property: Id(11)] bool HasSnapshot);

/// <summary>
/// One accepted alert in the operators' feed (key: alert id): shown once however often the gateway repeats it.
/// An alert that opened or joined an incident arrives as <see cref="AlertState.Opened"/>; one accepted into no
/// incident (the camera's cooldown after an operator closed its incident) waits for an operator to open or dismiss it.
/// </summary>
[Alias("live.IAlertGrain")]
public interface IAlertGrain : IGrainWithStringKey
{
    /// <summary>True when this call showed it; false when the alert id was already known (a repeat).</summary>
    /// <param name="incidentId">The incident the alert opened or joined; null or empty for none.</param>
    [Alias("raise")]
    Task<bool> RaiseAsync(AlertRecord alert, string? incidentId);

    [Alias("get")]
    Task<LiveAlert?> GetAsync();

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

[GenerateSerializer]
[Alias("live.alert-state")]
public sealed class AlertGrainState
{
    [Id(0)]
    public AlertRecord? Alert { get; set; }

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

    public async Task<bool> RaiseAsync(AlertRecord alert, string? incidentId)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (state.State.Alert is not null)
        {
            return false;
        }

        state.State.Alert = alert;
        if (!string.IsNullOrEmpty(incidentId))
        {
            state.State.State = AlertState.Opened;
            state.State.IncidentId = incidentId;
        }

        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IAlertFeedGrain>(IAlertFeedGrain.DefaultKey).AddAsync(AlertId);
        await PublishAsync();
        return true;
    }

    public Task<LiveAlert?> GetAsync() => Task.FromResult(View());

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
            a.HasSnapshot ? SnapshotUrl(a, SnapshotVariant.Thumb) : null,
            a.Boxes,
            a.HasSnapshot ? SnapshotUrl(a, SnapshotVariant.Annotated) : null);

    /// <summary>The archive's copy (GET /api/alerts/{id}/snapshot), named by gateway too: alert ids are unique per gateway only.</summary>
    private static string SnapshotUrl(AlertRecord a, SnapshotVariant variant) =>
        $"/api/alerts/{Uri.EscapeDataString(a.AlertId)}/snapshot?variant={variant.ToString().ToLowerInvariant()}&gatewayId={Uri.EscapeDataString(a.GatewayId)}";

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
