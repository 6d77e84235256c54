using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.GridEvents;

namespace Dispatch.Simulator.Live;

/// <summary>
/// The grid events' closed loop played through the host's public HTTP API, so the department queue and the map's
/// layer are alive: grid workers (signed in with their accounts) and residents (anonymous, within the host's
/// per-address throttle) report now and then, in categories by the shares of the simulated day, at a point inside a
/// random grid; the command centre (the operator account) accepts and assigns; each department's account (or the
/// command centre, for a department without one) starts and resolves; reporters rate most resolved events with their
/// account or follow-up code; the command centre closes. Every step waits a while after the one before and sends the
/// version it read, like a person at the queue page. Only the events this desk reported are worked, so a person
/// trying the pages keeps theirs.
/// </summary>
public sealed class SimulatedGridDesk : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HostLink _link;
    private readonly CityModel _city;
    private readonly LiveSimulationOptions _options;
    private readonly LiveCounters _counters;
    private readonly TextWriter _log;
    private readonly Random _random;
    private readonly HttpClient _http;
    private readonly Dictionary<string, Tracked> _reported = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> _residentRequests = new();
    private readonly HashSet<string> _complained = new(StringComparer.Ordinal);

    public SimulatedGridDesk(HostLink link, CityModel city, LiveSimulationOptions options, LiveCounters counters, TextWriter log, int seed)
    {
        _link = link;
        _city = city;
        _options = options;
        _counters = counters;
        _log = log;
        _random = new Random(seed);
        _http = new HttpClient { BaseAddress = link.Host, Timeout = TimeSpan.FromSeconds(15) };
    }

    /// <summary>The events this desk reported and follows, by id.</summary>
    public IReadOnlyCollection<string> Reported
    {
        get
        {
            lock (_reported)
            {
                return [.. _reported.Keys];
            }
        }
    }

    /// <summary>Reports and works grid events until <paramref name="cancellationToken"/> ends the run.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PlayAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private async Task PlayAsync(CancellationToken cancellationToken)
    {
        if (_options.GridEventEvery is not { } every || _city.Grids.Count == 0)
        {
            return;
        }

        var command = SimulatorAccounts.CallTaker(_link.Accounts) ?? throw new InvalidOperationException("no operator account for the grid event desk");
        var workers = _link.Accounts.Where(a => a.Roles.Contains("grid-worker")).ToList();
        var departments = new Dictionary<string, SimulatorAccount>(StringComparer.Ordinal);
        foreach (var account in _link.Accounts.Where(a => a.Roles.Contains("department")))
        {
            foreach (var unit in account.Units.Where(u => u.StartsWith("department:", StringComparison.Ordinal)))
            {
                departments.TryAdd(unit["department:".Length..], account);
            }
        }

        var categories = await CategoriesAsync(cancellationToken);
        if (categories.Count == 0)
        {
            await _log.WriteLineAsync("live: no grid event categories from the host; no grid events reported");
            return;
        }

        await _log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"live: grid events about every {LiveSimulationOptions.Seconds(every)} s from {workers.Count} grid workers and residents; {departments.Count} department accounts work them"));
        var nextReport = DateTimeOffset.UtcNow + Gap(every);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (DateTimeOffset.UtcNow >= nextReport)
            {
                await ReportAsync(categories, workers, cancellationToken);
                nextReport = DateTimeOffset.UtcNow + Gap(every);
            }

            await WorkAsync(command, departments, workers, cancellationToken);
            var wait = nextReport - DateTimeOffset.UtcNow;
            if (!await HostLink.SleepAsync(wait < _options.GridScanEvery ? (wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : _options.GridScanEvery, cancellationToken))
            {
                break;
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private TimeSpan Gap(TimeSpan every) => TimeSpan.FromSeconds(-Math.Log(1 - _random.NextDouble()) * every.TotalSeconds);

    /// <summary>The categories the host offers (the resident's catalog), weighted like the simulated day.</summary>
    private async Task<IReadOnlyList<(string Id, double Share)>> CategoriesAsync(CancellationToken cancellationToken)
    {
        var shares = new GridEventDayOptions().CategoryShares;
        for (var attempt = 0; !cancellationToken.IsCancellationRequested; attempt++)
        {
            var (status, body) = await SendResidentAsync(HttpMethod.Get, "api/grid-events/catalog", null, cancellationToken);
            if (status == HttpStatusCode.OK && body is { } catalog)
            {
                return [.. catalog.GetProperty("categories").EnumerateArray()
                    .Select(c => c.GetProperty("id").GetString()!)
                    .Where(id => _options.GridCategories is null || _options.GridCategories.Contains(id))
                    .Select(id => (id, shares.GetValueOrDefault(id, 1)))];
            }

            if (!await HostLink.SleepAsync(_link.Backoff.Delay(attempt), cancellationToken))
            {
                break;
            }
        }

        return [];
    }

    private async Task ReportAsync(IReadOnlyList<(string Id, double Share)> categories, IReadOnlyList<SimulatorAccount> workers, CancellationToken cancellationToken)
    {
        var category = Pick(categories);
        var grid = _city.Grids[_random.Next(_city.Grids.Count)];
        var at = PointIn(grid);

        // A resident's report needs two of the address's requests (the report, later its rating): made only while both fit.
        var resident = (workers.Count == 0 || _random.NextDouble() < _options.ResidentShare) && ResidentBudgetLeft() >= 2 + PendingResidentRatings();
        var worker = resident || workers.Count == 0 ? null : workers[_random.Next(workers.Count)];
        if (!resident && worker is null)
        {
            return;
        }

        var text = string.Create(CultureInfo.InvariantCulture, $"{category} near {at.Latitude:F5},{at.Longitude:F5} (simulated)");
        var (status, body) = resident
            ? await SendResidentAsync(HttpMethod.Post, "api/grid-events/resident",
                new { category, latitude = at.Latitude, longitude = at.Longitude, text, contact = $"138{_random.Next(10_000_000, 99_999_999)}" }, cancellationToken)
            : await SendAsync(HttpMethod.Post, "api/grid-events", new { category, latitude = at.Latitude, longitude = at.Longitude, text }, worker, cancellationToken);
        if (status != HttpStatusCode.Created || body is not { } created)
        {
            await Complain("report", status, body);
            return;
        }

        var id = created.GetProperty("eventId").GetString()!;
        lock (_reported)
        {
            _reported[id] = new Tracked(worker?.Name, resident ? created.GetProperty("followCode").GetString() : null, _random.NextDouble() < _options.GridRatingShare);
        }

        _counters.OnGridEventReported(resident);
        await _log.WriteLineAsync($"live: grid event {id} ({category}) reported by {(resident ? "a resident" : worker!.Name)} in {grid.Id}");
    }

    /// <summary>One pass over the desk's open events: each takes its next step once its wait since the last one is over.</summary>
    private async Task WorkAsync(SimulatorAccount command, IReadOnlyDictionary<string, SimulatorAccount> departments, IReadOnlyList<SimulatorAccount> workers, CancellationToken cancellationToken)
    {
        if (Reported.Count == 0)
        {
            return;
        }

        var (status, body) = await SendAsync(HttpMethod.Get, "api/grid-events", null, command, cancellationToken);
        if (status != HttpStatusCode.OK || body is not { } list)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        foreach (var e in list.EnumerateArray())
        {
            var id = e.GetProperty("eventId").GetString()!;
            var state = e.GetProperty("state").GetString()!;
            var version = e.GetProperty("version").GetInt64();
            Tracked? mine;
            lock (_reported)
            {
                if (!_reported.TryGetValue(id, out mine))
                {
                    continue;
                }

                if (mine.State != state)
                {
                    mine.State = state;
                    mine.Since = now;
                    mine.Wait = Wait(state);
                }

                if (state is "closed" or "rejected")
                {
                    _reported.Remove(id);
                    continue;
                }
            }

            if (now - mine.Since < mine.Wait)
            {
                continue;
            }

            var department = e.GetProperty("department").GetString()!;
            var crew = departments.GetValueOrDefault(department) ?? command;
            var done = state switch
            {
                "reported" => await StepAsync(id, "accept", version, command, cancellationToken),
                "accepted" => await StepAsync(id, "assign", version, command, cancellationToken),
                "assigned" or "escalated" => await StepAsync(id, "start", version, crew, cancellationToken),
                "in-progress" => await StepAsync(id, "resolve", version, crew, cancellationToken, "handled on site (simulated)"),
                "resolved" => await RateOrCloseAsync(id, version, mine, command, workers, cancellationToken),
                "rated" => await StepAsync(id, "close", version, command, cancellationToken),
                _ => false,
            };
            if (done && state == "in-progress")
            {
                _counters.OnGridEventResolved();
            }
        }
    }

    private async Task<bool> RateOrCloseAsync(string id, long version, Tracked mine, SimulatorAccount command, IReadOnlyList<SimulatorAccount> workers, CancellationToken cancellationToken)
    {
        // Mostly fours and fives, now and then a three.
        var rating = Math.Clamp(5 - (int)Math.Floor(_random.NextDouble() * 2.2), 1, 5);
        if (mine.WillRate && !mine.Rated)
        {
            HttpStatusCode status;
            JsonElement? body;
            if (mine.FollowCode is { } code && ResidentBudgetLeft() >= 1)
            {
                (status, body) = await SendResidentAsync(HttpMethod.Post, $"api/grid-events/follow/{code}/rate", new { version, rating, comment = "simulated" }, cancellationToken);
            }
            else if (mine.Reporter is { } reporter && workers.FirstOrDefault(w => w.Name == reporter) is { } worker)
            {
                (status, body) = await SendAsync(HttpMethod.Post, $"api/grid-events/{id}/rate", new { version, rating, comment = "simulated" }, worker, cancellationToken);
            }
            else
            {
                return await StepAsync(id, "close", version, command, cancellationToken);
            }

            if (status == HttpStatusCode.OK)
            {
                mine.Rated = true;
                _counters.OnGridEventRated();
                return true;
            }

            await Complain(id + " rate", status, body);
            return false;
        }

        return await StepAsync(id, "close", version, command, cancellationToken);
    }

    private async Task<bool> StepAsync(string id, string step, long version, SimulatorAccount account, CancellationToken cancellationToken, string? note = null)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, $"api/grid-events/{id}/steps/{step}", new { version, note }, account, cancellationToken);
        if (status == HttpStatusCode.OK)
        {
            if (step == "close")
            {
                _counters.OnGridEventClosed();
            }

            return true;
        }

        // 409: someone changed it meanwhile; the next pass sees where it stands.
        if (status != HttpStatusCode.Conflict)
        {
            await Complain($"{id} {step}", status, body);
        }

        return false;
    }

    private TimeSpan Wait(string state) => state switch
    {
        "reported" or "accepted" => LiveSimulationOptions.Between(_random, _options.GridAcceptDelayMin, _options.GridAcceptDelayMax),
        "assigned" or "escalated" => LiveSimulationOptions.Between(_random, _options.GridStartDelayMin, _options.GridStartDelayMax),
        "in-progress" => LiveSimulationOptions.Between(_random, _options.GridHandlingMin, _options.GridHandlingMax),
        _ => LiveSimulationOptions.Between(_random, _options.GridRateDelayMin, _options.GridRateDelayMax),
    };

    private int PendingResidentRatings()
    {
        lock (_reported)
        {
            return _reported.Values.Count(r => r.FollowCode is not null && r.WillRate && !r.Rated);
        }
    }

    /// <summary>Requests the address may still make without an account in the current hour, by this desk's own count.</summary>
    private int ResidentBudgetLeft()
    {
        lock (_residentRequests)
        {
            var hourAgo = DateTimeOffset.UtcNow.AddHours(-1);
            while (_residentRequests.Count > 0 && _residentRequests.Peek() < hourAgo)
            {
                _residentRequests.Dequeue();
            }

            return _options.ResidentRequestsPerHour - _residentRequests.Count;
        }
    }

    private async Task<(HttpStatusCode Status, JsonElement? Body)> SendResidentAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        lock (_residentRequests)
        {
            _residentRequests.Enqueue(DateTimeOffset.UtcNow);
        }

        var answer = await SendAsync(method, path, body, null, cancellationToken);
        if (answer.Status == HttpStatusCode.TooManyRequests)
        {
            _counters.OnResidentThrottled();
        }

        return answer;
    }

    private async Task<(HttpStatusCode Status, JsonElement? Body)> SendAsync(HttpMethod method, string path, object? body, SimulatorAccount? account, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(method, path);
            if (account is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _link.Tokens.TokenAsync(account, cancellationToken));
            }

            if (body is not null)
            {
                request.Content = JsonContent.Create(body, options: Json);
            }

            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement? parsed = null;
            if (text.Length > 0 && text[0] is '{' or '[')
            {
                parsed = JsonDocument.Parse(text).RootElement.Clone();
            }

            return (response.StatusCode, parsed);
        }
        catch (Exception e) when (e is HttpRequestException or UnauthorizedAccessException or JsonException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The host is away or refused the account: the next pass tries again.
            return (0, null);
        }
    }

    /// <summary>A refusal the desk did not expect, logged once per kind so a long run's log stays readable.</summary>
    private async Task Complain(string what, HttpStatusCode status, JsonElement? body)
    {
        _counters.OnRefused();
        var key = $"{what.Split(' ').Last()} {(int)status}";
        lock (_complained)
        {
            if (!_complained.Add(key))
            {
                return;
            }
        }

        var error = body is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty("error", out var e) ? e.GetString() : null;
        await _log.WriteLineAsync($"live: grid event {what} answered {(int)status}{(error is null ? "" : $": {error}")} (further such answers are counted, not logged)");
    }

    private string Pick(IReadOnlyList<(string Id, double Share)> categories)
    {
        var ticket = _random.NextDouble() * categories.Sum(c => c.Share);
        foreach (var (id, share) in categories)
        {
            ticket -= share;
            if (ticket < 0)
            {
                return id;
            }
        }

        return categories[^1].Id;
    }

    /// <summary>A random point of the grid (inside its outline, checked against the city as the host checks it).</summary>
    private GeoPoint PointIn(GridSpec grid)
    {
        var box = grid.Boundary.EnvelopeInternal;
        for (var i = 0; i < 30; i++)
        {
            var point = new GeoPoint(box.MinY + (_random.NextDouble() * box.Height), box.MinX + (_random.NextDouble() * box.Width));
            if (_city.FindGrid(point)?.Id == grid.Id)
            {
                return point;
            }
        }

        var inside = grid.Boundary.InteriorPoint;
        return new GeoPoint(inside.Y, inside.X);
    }

    /// <summary>An event this desk reported: who (an account, or a resident's follow-up code), whether its reporter will rate it, where it stands.</summary>
    private sealed class Tracked(string? reporter, string? followCode, bool willRate)
    {
        public string? Reporter { get; } = reporter;

        public string? FollowCode { get; } = followCode;

        public bool WillRate { get; } = willRate;

        public bool Rated { get; set; }

        public string State { get; set; } = "";

        public DateTimeOffset Since { get; set; }

        public TimeSpan Wait { get; set; }
    }
}
