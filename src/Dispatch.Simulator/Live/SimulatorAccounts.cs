using System.Collections.Concurrent;
using System.Net.Http.Json;
using Dispatch.Domain.City;

namespace Dispatch.Simulator.Live;

/// <summary>An account the simulator signs in with: the call-taker (an operator) or an officer for some units.</summary>
public sealed record SimulatorAccount(string Name, string Password, IReadOnlyList<string> Roles, IReadOnlyList<string> Units)
{
    /// <summary>Whether this officer account may sign onto <paramref name="unit"/>: its id, "station:&lt;its station&gt;" or "*".</summary>
    public bool MaySignOnto(PatrolUnitSpec unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return Roles.Contains("officer") && Units.Any(u => u == "*" || u == unit.Id || u == "station:" + unit.HomeStationId);
    }
}

/// <summary>
/// The accounts of a run, read from an accounts file: the host's data/demo-accounts.txt, or any file of tab-separated
/// lines "account NAME PASSWORD ROLES UNITS" (roles and units comma-separated; '#' starts a comment).
/// </summary>
public static class SimulatorAccounts
{
    public static IReadOnlyList<SimulatorAccount> Read(string path)
    {
        var accounts = new List<SimulatorAccount>();
        foreach (var line in File.ReadAllLines(path))
        {
            var fields = line.Split('\t');
            if (line.Length == 0 || line[0] == '#' || fields.Length < 4 || fields[0] != "account")
            {
                continue;
            }

            accounts.Add(new SimulatorAccount(fields[1], fields[2], Split(fields[3]), fields.Length > 4 ? Split(fields[4]) : []));
        }

        return accounts;
    }

    public static SimulatorAccount? CallTaker(IReadOnlyList<SimulatorAccount> accounts) =>
        accounts.FirstOrDefault(a => a.Roles.Contains("operator")) ?? accounts.FirstOrDefault(a => a.Roles.Contains("supervisor"));

    /// <summary>The account for a unit: one naming it alone first (the officer of that unit), else a station's or everyone's.</summary>
    public static SimulatorAccount? OfficerFor(IReadOnlyList<SimulatorAccount> accounts, PatrolUnitSpec unit) =>
        accounts.FirstOrDefault(a => a.MaySignOnto(unit) && a.Units.Contains(unit.Id)) ?? accounts.FirstOrDefault(a => a.MaySignOnto(unit));

    private static string[] Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Bearer tokens from the host (POST /api/auth/token), one per account, fetched again shortly before they expire. With
/// the hosts of a cluster (one signing key), a host that cannot be reached is left for the next of the list.
/// </summary>
public sealed class TokenSource(IReadOnlyList<HttpClient> hosts)
{
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset ExpiresAt)> _tokens = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(4, 4);
    private int _current;

    public TokenSource(HttpClient http)
        : this([http])
    {
    }

    public async Task<string> TokenAsync(SimulatorAccount account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (_tokens.TryGetValue(account.Name, out var held) && held.ExpiresAt - DateTimeOffset.UtcNow > Margin)
        {
            return held.Token;
        }

        // A few at a time: every token costs the host a deliberately slow password check.
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var first = Volatile.Read(ref _current);
            for (var i = 0; ; i++)
            {
                var index = (first + i) % hosts.Count;
                try
                {
                    var token = await FetchAsync(hosts[index], account, cancellationToken);
                    Volatile.Write(ref _current, index);
                    return token;
                }
                catch (Exception e) when (i + 1 < hosts.Count && !cancellationToken.IsCancellationRequested
                    && e is HttpRequestException or TaskCanceledException)
                {
                    // That host is down or does not answer: ask the next one.
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string> FetchAsync(HttpClient http, SimulatorAccount account, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("api/auth/token", new { username = account.Name, password = account.Password }, cancellationToken);
        if ((int)response.StatusCode >= 500)
        {
            // The host is there but cannot serve (starting, stopping): another may.
            throw new HttpRequestException($"{http.BaseAddress}api/auth/token answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new UnauthorizedAccessException(
                $"account '{account.Name}' was refused a token: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var answer = await response.Content.ReadFromJsonAsync<TokenAnswer>(cancellationToken)
            ?? throw new UnauthorizedAccessException($"account '{account.Name}': the host answered no token");
        _tokens[account.Name] = (answer.AccessToken, answer.ExpiresAt);
        return answer.AccessToken;
    }

    private sealed record TokenAnswer(string AccessToken, DateTimeOffset ExpiresAt);
}
