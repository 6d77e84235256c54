using System.Text.Json.Serialization;
using Dispatch.Domain.City;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Simulator.Live;

/// <summary>
/// The simulator's way to the running host: its city over HTTP, and hub connections over websockets with the
/// same JSON settings as the pages (enums as strings). Every wait for the host backs off and is reported once
/// per attempt, so a host that is down gives a readable log, not a crash or a busy loop.
/// </summary>
public sealed class HostLink(Uri host, RetryBackoff backoff, TextWriter log) : IDisposable
{
    public const string TerminalHubPath = "hubs/terminal";
    public const string OperationsHubPath = "hubs/operations";

    private readonly HttpClient _http = new() { BaseAddress = host, Timeout = TimeSpan.FromSeconds(15) };

    public Uri Host => host;

    public RetryBackoff Backoff => backoff;

    /// <summary>The host's city (<c>GET /api/city</c>), retried until it answers or <paramref name="cancellationToken"/> ends the run.</summary>
    public async Task<CityModel?> LoadCityAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; !cancellationToken.IsCancellationRequested; attempt++)
        {
            string problem;
            try
            {
                using var response = await _http.GetAsync("api/city", cancellationToken);
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
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = $"host {host} did not answer within {_http.Timeout.TotalSeconds:0} s";
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var wait = backoff.Delay(attempt);
            await log.WriteLineAsync($"live: {problem}; retrying in {LiveSimulationOptions.Seconds(wait)} s");
            if (!await SleepAsync(wait, cancellationToken))
            {
                break;
            }
        }

        return null;
    }

    /// <summary>A hub connection (websockets only) that reconnects by itself with <see cref="Backoff"/> after a drop.</summary>
    public HubConnection Connection(string path) => new HubConnectionBuilder()
        .WithUrl(new Uri(host, path), o =>
        {
            o.Transports = HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
        })
        .AddJsonProtocol(o =>
        {
            o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.PayloadSerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        })
        .WithAutomaticReconnect(backoff)
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
            catch (Exception e) when (e is HttpRequestException or IOException or System.Net.WebSockets.WebSocketException or TimeoutException or OperationCanceledException or InvalidOperationException)
            {
                failed(e);
                if (!await SleepAsync(backoff.Delay(attempt), cancellationToken))
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
