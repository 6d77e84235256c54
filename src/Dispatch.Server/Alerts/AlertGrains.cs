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

/// <summary>
/// An alert in the operators' feed. The alert itself is in the <see cref="AlertArchive"/> (written before it was
/// acknowledged to its gateway); an operator's decision (open an incident, dismiss) is written there too. The grain
/// holds the alert in memory and reads it back from the archive when it activates.
/// </summary>
public sealed class AlertGrain(AlertArchive archive, Dispatch.Grains.City.CityDirectory city) : Grain, IAlertGrain
{
    private AlertRecord? _alert;
    private AlertState _state;
    private string? _incidentId;
    private bool _raised;

    private string AlertId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (await archive.FindAsync(AlertId, null, cancellationToken) is { } archived)
        {
            var decision = await archive.DecisionAsync(archived.GatewayId, archived.AlertId, cancellationToken);
            (_alert, _state, _incidentId) = FromArchive(archived, decision, city);
        }
    }

    public Task<bool> RaiseAsync(AlertRecord alert, string? incidentId)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (_raised)
        {
            return Task.FromResult(false);
        }

        // The archive may already hold it (it is archived before it is shown); an operator's decision stands.
        _raised = true;
        var decided = _alert is not null && _state != AlertState.New;
        _alert = alert;
        if (!decided && !string.IsNullOrEmpty(incidentId))
        {
            _state = AlertState.Opened;
            _incidentId = incidentId;
        }

        Publish();
        return Task.FromResult(true);
    }

    public Task<LiveAlert?> GetAsync() => Task.FromResult(View());

    public async Task<IntakeResult> OpenIncidentAsync(string type, IncidentPriority priority, string actor)
    {
        if (_alert is not { } alert)
        {
            return new IntakeResult(null, $"unknown alert '{AlertId}'");
        }

        if (_state != AlertState.New)
        {
            return new IntakeResult(null, $"alert '{AlertId}' is already {_state}");
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
            await archive.DecideAsync(alert.GatewayId, AlertId, AlertState.Opened, result.IncidentId, null, actor);
            _state = AlertState.Opened;
            _incidentId = result.IncidentId;
            Publish();
        }

        return result;
    }

    public async Task<CommandResult> DismissAsync(string reason, string actor)
    {
        if (_alert is not { } alert)
        {
            return CommandResult.Refused($"unknown alert '{AlertId}'");
        }

        if (_state != AlertState.New)
        {
            return CommandResult.Refused($"alert '{AlertId}' is already {_state}");
        }

        var why = string.IsNullOrWhiteSpace(reason) ? $"false alarm ({actor})" : $"{reason} ({actor})";
        await archive.DecideAsync(alert.GatewayId, AlertId, AlertState.Dismissed, null, why, actor);
        _state = AlertState.Dismissed;
        Publish();
        return CommandResult.Success;
    }

    /// <summary>An archived alert as the feed shows it: its record, state and incident.</summary>
    internal static (AlertRecord Alert, AlertState State, string? IncidentId) FromArchive(ArchivedAlert a, AlertDecision? decision, Dispatch.Grains.City.CityDirectory city)
    {
        var camera = city.FindCamera(a.CameraId);
        var at = new Domain.Geo.GeoPoint(a.Latitude, a.Longitude);
        var record = new AlertRecord(
            a.AlertId, a.CameraId, camera?.Name ?? a.CameraId, a.Kind, a.Confidence, a.ObservedAt, a.Latitude, a.Longitude,
            city.FindGrid(at)?.Id, [.. a.Boxes.Select(b => new AlertBox(b.X, b.Y, b.Width, b.Height, b.Label))], a.GatewayId, a.HasSnapshot);
        var incidentId = decision?.IncidentId ?? (a.IncidentId.Length > 0 ? a.IncidentId : null);
        var state = decision?.State ?? (incidentId is null ? AlertState.New : AlertState.Opened);
        return (record, state, incidentId);
    }

    internal static LiveAlert ToLive(AlertRecord a, AlertState state, string? incidentId) => new(
        a.AlertId, a.CameraId, a.CameraName, a.Kind, a.Confidence, a.At, a.Latitude, a.Longitude, a.GridId,
        state, incidentId,
        a.HasSnapshot ? SnapshotUrl(a, SnapshotVariant.Thumb) : null,
        a.Boxes,
        a.HasSnapshot ? SnapshotUrl(a, SnapshotVariant.Annotated) : null);

    private LiveAlert? View() => _alert is { } a ? ToLive(a, _state, _incidentId) : null;

    /// <summary>The archive's copy (GET /api/alerts/{id}/snapshot), named by gateway too: alert ids are unique per gateway only.</summary>
    private static string SnapshotUrl(AlertRecord a, SnapshotVariant variant) =>
        $"/api/alerts/{Uri.EscapeDataString(a.AlertId)}/snapshot?variant={variant.ToString().ToLowerInvariant()}&gatewayId={Uri.EscapeDataString(a.GatewayId)}";

    private void Publish() =>
        GrainFactory.GetGrain<ILiveNotifierGrain>(0).PublishAsync(new AlertUpdate(LiveVersions.Next("alert:" + AlertId), View()!)).Ignore();
}
