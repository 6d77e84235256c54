using System.Text.Json.Serialization;
using Dispatch.Domain.City;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Simulator.Live;

/// <summary>
/// The simulator's way to the running host: its city over HTTP, and hub connections over websockets with the
/// same JSON settings as the pages (enums as strings), each signed in with a bearer token of its account like any
/// program. Every wait for the host backs off and is reported once per attempt, so a host that is down gives a
/// readable log, not a crash or a busy loop.
/// </summary>
public sealed class HostLink : IDisposable
{
    public const string TerminalHubPath = "hubs/terminal";
    public const string OperationsHubPath = "hubs/operations";

    private readonly Uri _host;
    private readonly RetryBackoff _backoff;
    private readonly TextWriter _log;
    private readonly HttpClient _http;

    public HostLink(Uri host, RetryBackoff backoff, TextWriter log, IReadOnlyList<SimulatorAccount> accounts)
    {
        _host = host;
        _backoff = backoff;
        _log = log;
        Accounts = accounts;
        _http = new HttpClient { BaseAddress = host, Timeout = TimeSpan.FromSeconds(15) };
        Tokens = new TokenSource(_http);
    }

    public IReadOnlyList<SimulatorAccount> Accounts { get; }

    public TokenSource Tokens { get; }

    public Uri Host => _host;

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
            string problem;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "api/city");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await Tokens.TokenAsync(reader, cancellationToken));
                using var response = await _http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    return CityGeoJson.Read(body);
                }

                problem = $"GET {_host}api/city answered {(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (HttpRequestException e)
            {
                problem = $"host {_host} is not reachable ({e.Message})";
            }
            catch (UnauthorizedAccessException e)
            {
                problem = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = $"host {_host} did not answer within {_http.Timeout.TotalSeconds:0} s";
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var wait = _backoff.Delay(attempt);
            await _log.WriteLineAsync($"live: {problem}; retrying in {LiveSimulationOptions.Seconds(wait)} s");
            if (!await SleepAsync(wait, cancellationToken))
            {
                break;
            }
        }

        return null;
    }

    /// <summary>A hub connection (websockets only) signed in as <paramref name="account"/>, that reconnects by itself with <see cref="Backoff"/> after a drop.</summary>
    public HubConnection Connection(string path, SimulatorAccount account) => new HubConnectionBuilder()
        .WithUrl(new Uri(_host, path), o =>
        {
            o.Transports = HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
            o.AccessTokenProvider = async () => await Tokens.TokenAsync(account, CancellationToken.None);
        })
        .AddJsonProtocol(o =>
        {
            o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.PayloadSerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        })
        .WithAutomaticReconnect(_backoff)
        .Build();

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

    public void Dispose() => _http.Dispose();
}
