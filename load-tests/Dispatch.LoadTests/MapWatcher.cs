using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;

namespace Dispatch.LoadTests;

/// <summary>One fix in a batch the operator page receives (JSON camelCase; other fields ignored).</summary>
public sealed record MapPosition(string UnitId, double Latitude, double Longitude);

/// <summary>A batch of unit movements as the operator page receives it.</summary>
public sealed record MapPositionBatch(long Seq, IReadOnlyList<MapPosition> Positions);

/// <summary>
/// Where each unit's recent fixes were sent from, and when: the terminals record every fix they send, the map watcher
/// looks up the fixes it sees drawn. The last few fixes per unit are kept.
/// </summary>
public sealed class SentPositions
{
    private const int Kept = 8;
    private readonly ConcurrentDictionary<string, (double Latitude, double Longitude, long SentAt)[]> _byUnit = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _next = new(StringComparer.Ordinal);

    public void Sent(string unitId, double latitude, double longitude)
    {
        var ring = _byUnit.GetOrAdd(unitId, _ => new (double, double, long)[Kept]);
        var slot = _next.AddOrUpdate(unitId, 0, (_, n) => (n + 1) % Kept);
        ring[slot] = (latitude, longitude, Stopwatch.GetTimestamp());
    }

    /// <summary>When this exact fix was sent, or null when it is not among the unit's recent ones.</summary>
    public long? SentAt(string unitId, double latitude, double longitude)
    {
        if (!_byUnit.TryGetValue(unitId, out var ring))
        {
            return null;
        }

        foreach (var (lat, lon, at) in ring)
        {
            if (at != 0 && lat == latitude && lon == longitude)
            {
                return at;
            }
        }

        return null;
    }
}

/// <summary>
/// An operator page's connection to /hubs/operations, subscribed to the whole city: measures how far behind the
/// terminals' fixes the map's positions are (from the terminal sending a fix to the page receiving it in a batch).
/// </summary>
public sealed class MapWatcher : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly SentPositions _sent;
    private long _unmatched;

    private MapWatcher(HubConnection connection, SentPositions sent)
    {
        _connection = connection;
        _sent = sent;
    }

    /// <summary>Fix sent to fix drawn, in milliseconds.</summary>
    public LatencyRecorder Behind { get; } = new();

    /// <summary>Positions received that were not among the units' recent fixes (older than the ring, or never sent).</summary>
    public long Unmatched => Interlocked.Read(ref _unmatched);

    public static async Task<MapWatcher> ConnectAsync(Uri web, SentPositions sent, string? accessToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(web);
        var hub = new Uri(new Uri(web.GetLeftPart(UriPartial.Authority)), "/hubs/operations");
        var connection = new HubConnectionBuilder()
            .WithUrl(hub, o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                if (accessToken is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
                }
            })
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Error))
            .Build();
        connection.ServerTimeout = TimeSpan.FromSeconds(120);
        var watcher = new MapWatcher(connection, sent);
        connection.On<MapPositionBatch>("UnitsMoved", watcher.OnMoved);
        await connection.StartAsync(cancellationToken);
        await connection.InvokeAsync<object>("Subscribe", (string[]?)null, cancellationToken);
        return watcher;
    }

    private void OnMoved(MapPositionBatch batch)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var p in batch.Positions)
        {
            if (_sent.SentAt(p.UnitId, p.Latitude, p.Longitude) is { } at)
            {
                Behind.Record(Stopwatch.GetElapsedTime(at, now));
            }
            else
            {
                Interlocked.Increment(ref _unmatched);
            }
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
