using System.Text.Json.Serialization;
using Dispatch.Domain.City;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dispatch.Simulator.Live;

/// <summary>
/// The simulator's way to the running host, or to the hosts of a cluster: its city over HTTP, and hub connections
/// over websockets with the same JSON settings as the pages (enums as strings), each signed in with a bearer token of
/// its account like any program. With several hosts, connections are spread over them and a connection whose host is
/// lost reconnects to the next (<see cref="HostFailover"/>); tokens come from any host that answers (the hosts of a
/// cluster share their signing key). Every wait for a host backs off and is reported once per attempt, so a host that
/// is down gives a readable log, not a crash or a busy loop.
/// </summary>
public sealed class HostLink : IDisposable
{
    public const string TerminalHubPath = "hubs/terminal";
    public const string OperationsHubPath = "hubs/operations";

    private readonly IReadOnlyList<Uri> _hosts;
    private readonly RetryBackoff _backoff;
    private readonly TextWriter _log;
    private readonly List<HttpClient> _http;

    public HostLink(Uri host, RetryBackoff backoff, TextWriter log, IReadOnlyList<SimulatorAccount> accounts)
        : this([host], backoff, log, accounts)
    {
    }

    public HostLink(IReadOnlyList<Uri> hosts, RetryBackoff backoff, TextWriter log, IReadOnlyList<SimulatorAccount> accounts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentOutOfRangeException.ThrowIfZero(hosts.Count);
        _hosts = hosts;
        _backoff = backoff;
        _log = log;
        Accounts = accounts;
        _http = [.. hosts.Select(h => new HttpClient { BaseAddress = h, Timeout = TimeSpan.FromSeconds(15) })];
        Tokens = new TokenSource(_http);
    }

    public IReadOnlyList<SimulatorAccount> Accounts { get; }

    public TokenSource Tokens { get; }

    /// <summary>The first host of the list.</summary>
    public Uri Host => _hosts[0];

    public IReadOnlyList<Uri> Hosts => _hosts;

    public RetryBackoff Backoff => _backoff;

    /// <summary>The host's city (<c>GET /api/city</c>), retried until it answers or <paramref name="cancellationToken"/> ends the run.</summary>
    public async Task<CityModel?> LoadCityAsync(CancellationToken cancellationToken)
    {
        if (SimulatorAccounts.CallTaker(Accounts) is not { } reader)
        {
            await _log.WriteLineAsync("live: no operator account to read the city with (pass --accounts FILE, e.g. data/demo-accounts.txt)");
            return null;
        }

        for (var attempt = 0; !cancellationToken.IsCancellationRequested; attempt++)
        {
            // Each attempt asks the next host of the list: any host of a cluster has the city.
            var http = _http[attempt % _http.Count];
            var host = http.BaseAddress!;
            string problem;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "api/city");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await Tokens.TokenAsync(reader, cancellationToken));
                using var response = await http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    return CityGeoJson.Read(body);
                }

                problem = $"GET {host}api/city answered {(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (HttpRequestException e)
            {
                problem = $"host {host} is not reachable ({e.Message})";
            }
            catch (UnauthorizedAccessException e)
            {
                problem = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = $"host {host} did not answer within {http.Timeout.TotalSeconds:0} s";
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if ((attempt + 1) % _http.Count != 0)
            {
                // The next host of the list at once; the backoff is between rounds of all hosts.
                await _log.WriteLineAsync($"live: {problem}; trying the next host");
                continue;
            }

            var wait = _backoff.Delay(attempt / _http.Count);
            await _log.WriteLineAsync($"live: {problem}; retrying in {LiveSimulationOptions.Seconds(wait)} s");
            if (!await SleepAsync(wait, cancellationToken))
            {
                break;
            }
        }

        return null;
    }

    /// <summary>
    /// A hub connection (websockets only) signed in as <paramref name="account"/>, that reconnects by itself with
    /// <see cref="Backoff"/> after a drop: to the next host of the list when there are several.
    /// </summary>
    /// <param name="first">Which host of the list it tries first (connections are spread over the hosts).</param>
    /// <param name="moved">Told the new host when the connection moved to another host.</param>
    public HubConnection Connection(string path, SimulatorAccount account, int first = 0, Action<Uri>? moved = null)
    {
        var transport = new HttpConnectionOptions
        {
            Transports = HttpTransportType.WebSockets,
            SkipNegotiation = true,
            AccessTokenProvider = async () => await Tokens.TokenAsync(account, CancellationToken.None),
        };
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(_hosts[first % _hosts.Count], path), o =>
            {
                o.Transports = transport.Transports;
                o.SkipNegotiation = transport.SkipNegotiation;
                o.AccessTokenProvider = transport.AccessTokenProvider;
            })
            .AddJsonProtocol(o =>
            {
                o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter());
                o.PayloadSerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
            })
            .WithAutomaticReconnect(_backoff);
        if (_hosts.Count > 1)
        {
            // Replaces the one-address connection factory of WithUrl; the hub's own reconnect loop stays as it is.
            builder.Services.AddSingleton<IConnectionFactory>(sp =>
                new HostFailover(_hosts, first, path, transport, sp.GetRequiredService<ILoggerFactory>(), moved));
        }

        return builder.Build();
    }

    /// <summary>Starts <paramref name="connection"/>, retrying with backoff; false when the run ended first.</summary>
    public async Task<bool> StartAsync(HubConnection connection, Action<Exception> failed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(failed);
        for (var attempt = 0; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await connection.StartAsync(cancellationToken);
                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or System.Net.WebSockets.WebSocketException or TimeoutException or OperationCanceledException or InvalidOperationException or UnauthorizedAccessException)
            {
                failed(e);
                if (!await SleepAsync(_backoff.Delay(attempt), cancellationToken))
                {
                    return false;
                }
            }
        }

        return false;
    }

    /// <summary>Waits while the connection is reconnecting; false when the run ended first.</summary>
    public static async Task<bool> WaitConnectedAsync(HubConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        while (connection.State != HubConnectionState.Connected)
        {
            if (!await SleepAsync(TimeSpan.FromMilliseconds(250), cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when a call failed because the connection is down (retry after reconnecting), not because the host refused it.</summary>
    public static bool IsConnectionLoss(Exception e) =>
        e is not HubException && e is InvalidOperationException or IOException or System.Net.WebSockets.WebSocketException or TaskCanceledException or HttpRequestException;

    /// <summary>False when cancelled instead of throwing: the run is simply over.</summary>
    public static async Task<bool> SleepAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var http in _http)
        {
            http.Dispose();
        }
    }
}
