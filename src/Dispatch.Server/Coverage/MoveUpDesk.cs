using System.Collections.Concurrent;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Dispatch.Server.Live;
using Dispatch.Server.Units;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Coverage;

/// <summary>One recommended move an operator accepts: which unit goes to which post (station id).</summary>
public sealed record MoveUpChoice(string? UnitId, string? PostId);

/// <summary>The body of POST /api/coverage/move-ups/accept; <see cref="Note"/> replaces the default directive note.</summary>
public sealed record MoveUpAcceptRequest(IReadOnlyList<MoveUpChoice?>? Moves, string? Note);

/// <summary>The patrol directives sent, one per accepted move.</summary>
public sealed record MoveUpAccepted(IReadOnlyList<LiveDirective> Directives);

/// <summary>Why an accept was refused: <see cref="Conflict"/> when the request is valid but a unit is no longer idle.</summary>
public sealed record MoveUpRefusal(string Error, bool Conflict);

/// <summary>
/// Turns accepted move-ups into patrol directives (an area around the post, for a while) through the
/// <see cref="DirectiveDesk"/>, so each unit's terminal receives its own. Units moving up are remembered until
/// their directive ends, so the next recommendation counts them at their post instead of moving them again.
/// </summary>
public sealed class MoveUpDesk(DirectiveDesk directives, LiveBoard board, CityModel city, TimeProvider clock, IOptions<LiveCoverageOptions> options)
{
    public const int MaxMoves = 50;

    private readonly LiveCoverageOptions _options = options.Value;
    private readonly HashSet<string> _unitIds = [.. city.Units.Select(u => u.Id)];
    private readonly ConcurrentDictionary<string, (GeoPoint Post, DateTimeOffset Until)> _movingUp = new(StringComparer.Ordinal);

    /// <summary>Units sent to a post whose directive has not ended, with the post.</summary>
    public IReadOnlyDictionary<string, GeoPoint> MovingUp()
    {
        var now = clock.GetUtcNow();
        foreach (var (unitId, move) in _movingUp)
        {
            if (move.Until <= now)
            {
                _movingUp.TryRemove(unitId, out _);
            }
        }

        return _movingUp.ToDictionary(m => m.Key, m => m.Value.Post, StringComparer.Ordinal);
    }

    /// <summary>Null when every move can be sent, otherwise what is wrong, naming the value.</summary>
    public MoveUpRefusal? Validate(MoveUpAcceptRequest? request)
    {
        if (request?.Moves is not { Count: > 0 and <= MaxMoves } moves)
        {
            return new($"accept names 1..{MaxMoves} moves, got {request?.Moves?.Count ?? 0}", false);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < moves.Count; i++)
        {
            if (moves[i] is not { } move)
            {
                return new($"move {i} is missing", false);
            }

            if (string.IsNullOrWhiteSpace(move.UnitId) || !_unitIds.Contains(move.UnitId))
            {
                return new($"move {i}: unknown unit '{move.UnitId}'", false);
            }

            if (string.IsNullOrWhiteSpace(move.PostId) || city.FindStation(move.PostId) is null)
            {
                return new($"move {i}: unknown post '{move.PostId}' (posts are station ids)", false);
            }

            if (!seen.Add(move.UnitId))
            {
                return new($"move {i}: unit '{move.UnitId}' is named twice", false);
            }
        }

        foreach (var move in moves)
        {
            var status = board.FindUnit(move!.UnitId!)?.Status;
            if (status != UnitStatus.Available)
            {
                return new($"unit '{move.UnitId}' is not idle ({status?.ToString() ?? "unknown status"}); only available units move up", true);
            }
        }

        return request.Note is { Length: > DirectiveDesk.MaxNoteLength }
            ? new($"the note must be at most {DirectiveDesk.MaxNoteLength} characters, got {request.Note.Length}", false)
            : null;
    }

    /// <summary>Sends each move as a patrol directive to its unit; call <see cref="Validate"/> first.</summary>
    public async Task<MoveUpAccepted> AcceptAsync(MoveUpAcceptRequest request, string issuedBy)
    {
        var refusal = Validate(request);
        if (refusal is not null)
        {
            throw new ArgumentException(refusal.Error, nameof(request));
        }

        var from = clock.GetUtcNow();
        var until = from + TimeSpan.FromMinutes(_options.MoveUpDirectiveMinutes);
        var sent = new List<LiveDirective>();
        foreach (var move in request.Moves!)
        {
            var post = city.FindStation(move!.PostId!)!;
            var note = string.IsNullOrWhiteSpace(request.Note)
                ? $"Move up to {post.Name} ({post.Id}) and stand by there to restore response coverage / 前往{post.Name}备勤，恢复快速响应覆盖"
                : request.Note;
            var directive = await directives.IssueAsync(new DirectiveRequest([move.UnitId!], Area(post.Location), from, until, note), issuedBy);
            _movingUp[move.UnitId!] = (post.Location, until);
            sent.Add(directive);
        }

        return new MoveUpAccepted(sent);
    }

    /// <summary>An octagon around the post: where the unit stands by.</summary>
    private List<LatLon> Area(GeoPoint post) =>
    [
        .. Enumerable.Range(0, 8).Select(k =>
        {
            var angle = k * Math.PI / 4;
            var p = GreatCircle.Offset(post, _options.PostAreaRadiusMeters * Math.Cos(angle), _options.PostAreaRadiusMeters * Math.Sin(angle));
            return new LatLon(p.Latitude, p.Longitude);
        }),
    ];
}
