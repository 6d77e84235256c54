using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dispatch.Simulator.Live;

/// <summary>
/// Opens a hub's connection on one host of a cluster's list. The first connection goes to the connection's own host
/// of the list; after a connection was lost the next attempt starts at the next host, so a terminal whose host died
/// is on a survivor at the first reconnect, not after the dead host timed out. Every host of the list is tried in
/// turn within one attempt; the reconnect policy's backoff applies between whole rounds. Used as the hub
/// connection's <see cref="IConnectionFactory"/>, so the hub's own reconnect (and its Reconnecting/Reconnected
/// events) carry on as with one host.
/// </summary>
public sealed class HostFailover : IConnectionFactory
{
    private readonly IReadOnlyList<Uri> _hosts;
    private readonly string _path;
    private readonly HttpConnectionFactory _connections;
    private readonly Action<Uri>? _moved;
    private readonly Lock _lock = new();
    private int _current;
    private int _next;

    /// <param name="hosts">The hosts of the cluster, in the order given.</param>
    /// <param name="first">Index of the host this connection tries first (spreads connections over the hosts).</param>
    /// <param name="path">The hub's path on every host.</param>
    /// <param name="options">Transport and sign-in settings (its Url is set per host).</param>
    /// <param name="moved">Told the new host when a connection is made on another host than the one before.</param>
    public HostFailover(IReadOnlyList<Uri> hosts, int first, string path, HttpConnectionOptions options, ILoggerFactory loggerFactory, Action<Uri>? moved = null)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentOutOfRangeException.ThrowIfZero(hosts.Count);
        _hosts = hosts;
        _current = ((first % hosts.Count) + hosts.Count) % hosts.Count;
        _next = _current;
        _path = path;
        _connections = new HttpConnectionFactory(Options.Create(options), loggerFactory);
        _moved = moved;
    }

    /// <summary>The host of the current (or last) connection.</summary>
    public Uri Host
    {
        get
        {
            lock (_lock)
            {
                return _hosts[_current];
            }
        }
    }

    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        int start, previous;
        lock (_lock)
        {
            previous = _current;
            start = _next;
        }

        Exception? failure = null;
        for (var i = 0; i < _hosts.Count; i++)
        {
            var index = (start + i) % _hosts.Count;
            try
            {
                var connection = await _connections.ConnectAsync(new UriEndPoint(new Uri(_hosts[index], _path)), cancellationToken);
                lock (_lock)
                {
                    // A new connection after this one means this one was lost: its host goes to the back of the queue.
                    _current = index;
                    _next = (index + 1) % _hosts.Count;
                }

                if (index != previous)
                {
                    _moved?.Invoke(_hosts[index]);
                }

                return connection;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
            {
                failure = e;
            }
        }

        lock (_lock)
        {
            // No host answered: the next round (after the backoff) tries them in the same order.
            _next = start;
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw failure!;
    }
}
