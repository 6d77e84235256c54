using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Server.Live;

namespace Dispatch.Server.Units;

/// <summary>An operator's patrol directive before validation: units, an area polygon and a time window.</summary>
public sealed record DirectiveRequest(
    IReadOnlyList<string> UnitIds,
    IReadOnlyList<LatLon> Area,
    DateTimeOffset From,
    DateTimeOffset Until,
    string? Note);

/// <summary>Validates a patrol directive, keeps it with each unit's terminal session and pushes it to the terminals.</summary>
public sealed class DirectiveDesk(IGrainFactory grains, CityModel city, TimeProvider clock)
{
    public const int MaxUnits = 500;
    public const int MaxAreaPoints = 200;
    public const int MaxNoteLength = 1000;
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(1);

    private readonly HashSet<string> _unitIds = [.. city.Units.Select(u => u.Id)];

    /// <summary>Null when the request can be issued, otherwise what is wrong, naming the value.</summary>
    public string? Validate(DirectiveRequest request)
    {
        if (request.UnitIds is not { Count: > 0 and <= MaxUnits })
        {
            return $"a directive names 1..{MaxUnits} units, got {request.UnitIds?.Count ?? 0}";
        }

        var unknown = request.UnitIds.FirstOrDefault(id => !_unitIds.Contains(id ?? ""));
        if (unknown is not null || request.UnitIds.Contains(null!))
        {
            return $"unknown unit '{unknown}'";
        }

        if (request.Area is not { Count: >= 3 and <= MaxAreaPoints })
        {
            return $"the area is a polygon of 3..{MaxAreaPoints} points, got {request.Area?.Count ?? 0}";
        }

        for (var i = 0; i < request.Area.Count; i++)
        {
            var point = request.Area[i];
            var error = point is null ? "missing point" : GeoPoint.Validate(point.Latitude, point.Longitude);
            if (error is not null)
            {
                return string.Create(CultureInfo.InvariantCulture, $"area point {i}: {error}");
            }
        }

        if (request.Until <= request.From)
        {
            return $"the window must end after it starts, got {request.From:O} .. {request.Until:O}";
        }

        if (request.Until - request.From > MaxWindow)
        {
            return $"the window must be at most {MaxWindow.TotalHours} hours, got {(request.Until - request.From).TotalHours:F1}";
        }

        if (request.Until <= clock.GetUtcNow())
        {
            return $"the window is already over (until {request.Until:O})";
        }

        return request.Note is { Length: > MaxNoteLength } ? $"the note must be at most {MaxNoteLength} characters, got {request.Note.Length}" : null;
    }

    /// <summary>Issues a valid directive and returns it; throws <see cref="ArgumentException"/> with the reason otherwise.</summary>
    public async Task<LiveDirective> IssueAsync(DirectiveRequest request, string issuedBy)
    {
        var error = Validate(request);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(request));
        }

        var directive = new LiveDirective(
            string.Create(CultureInfo.InvariantCulture, $"DIR-{clock.GetUtcNow():yyyyMMdd-HHmmss}-{Guid.NewGuid():N}")[..28],
            [.. request.UnitIds.Distinct(StringComparer.Ordinal)],
            request.Area,
            request.From,
            request.Until,
            request.Note ?? "",
            issuedBy);
        await Task.WhenAll(directive.UnitIds.Select(id => grains.GetGrain<ITerminalSessionGrain>(id).AddDirectiveAsync(directive)));
        await grains.GetGrain<ILiveNotifierGrain>(0).PublishAsync(new DirectiveIssued(LiveVersions.Next("directive:" + directive.DirectiveId), directive));
        return directive;
    }
}
