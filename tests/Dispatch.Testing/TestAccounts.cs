using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Testing;

/// <summary>
/// The accounts every test host seeds (Dispatch:Security:SeedAccounts) and how tests sign in like real clients: a
/// bearer token from POST /api/auth/token, sent on HTTP requests and hub connections.
/// </summary>
public static class TestAccounts
{
    public const string Password = "test-password-0001";
    public const string Operator = "t-operator";
    public const string Supervisor = "t-supervisor";
    public const string Viewer = "t-viewer";
    public const string Admin = "t-admin";

    /// <summary>An officer who may sign onto any unit (a shared test terminal).</summary>
    public const string Officer = "t-officer";

    /// <summary>An operator who is also an officer of any unit: one browser session for a test that drives both pages.</summary>
    public const string OperatorOfficer = "t-both";

    /// <summary>The /metrics scrape token of test hosts.</summary>
    public const string ScrapeToken = "test-scrape-token-0001";

    public const string OperationsHubPath = "/hubs/operations";
    public const string TerminalHubPath = "/hubs/terminal";

    private static readonly ConcurrentDictionary<(string Host, string User), Lazy<Task<string>>> Tokens = new();

    /// <summary>The settings that seed the test accounts (and the scrape token); <paramref name="officers"/> adds officers with their units.</summary>
    public static Dictionary<string, string?> Settings(params (string Name, string Units)[] officers)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dispatch:Metrics:ScrapeToken"] = ScrapeToken,
        };
        void Seed(string name, string roles, string units = "")
        {
            settings[$"Dispatch:Security:SeedAccounts:{name}:Password"] = Password;
            settings[$"Dispatch:Security:SeedAccounts:{name}:Roles"] = roles;
            settings[$"Dispatch:Security:SeedAccounts:{name}:Units"] = units;
        }

        Seed(Operator, "operator");
        Seed(Supervisor, "supervisor");
        Seed(Viewer, "viewer");
        Seed(Admin, "admin");
        Seed(Officer, "officer", "*");
        Seed(OperatorOfficer, "operator,officer", "*");
        foreach (var (name, units) in officers)
        {
            Seed(name, "officer", units);
        }

        return settings;
    }

    /// <summary>Adds <see cref="Settings"/> to a host's settings (keeping what the caller set).</summary>
    public static Dictionary<string, string?> AddTo(Dictionary<string, string?> settings, params (string Name, string Units)[] officers)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var (key, value) in Settings(officers))
        {
            settings.TryAdd(key, value);
        }

        return settings;
    }

    /// <summary>A bearer token of <paramref name="user"/> from the host at <paramref name="web"/> (one per host and user, reused).</summary>
    public static Task<string> TokenAsync(Uri web, string user, string password = Password)
    {
        ArgumentNullException.ThrowIfNull(web);
        var key = (web.GetLeftPart(UriPartial.Authority), user);
        var lazy = Tokens.GetOrAdd(key, _ => new Lazy<Task<string>>(() => FetchAsync(web, user, password)));
        if (lazy.Value.IsFaulted)
        {
            Tokens.TryRemove(key, out _);
        }

        return lazy.Value;
    }

    /// <summary>Signs in and returns the token, failing with the host's answer.</summary>
    public static async Task<string> FetchAsync(Uri web, string user, string password = Password)
    {
        ArgumentNullException.ThrowIfNull(web);
        using var http = new HttpClient { BaseAddress = new Uri(web.GetLeftPart(UriPartial.Authority)) };
        using var response = await http.PostAsJsonAsync("/api/auth/token", new { username = user, password });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"token for '{user}' refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var token = await response.Content.ReadFromJsonAsync<TokenAnswer>();
        return token?.AccessToken ?? throw new InvalidOperationException($"token for '{user}': empty answer");
    }

    /// <summary>An HTTP client of the host that signs its requests as <paramref name="user"/> (null: anonymous).</summary>
    public static HttpClient Http(Uri web, string? user = Operator)
    {
        ArgumentNullException.ThrowIfNull(web);
        var baseAddress = new Uri(web.GetLeftPart(UriPartial.Authority));
        return user is null
            ? new HttpClient { BaseAddress = baseAddress }
            : new HttpClient(new BearerHandler(() => TokenAsync(baseAddress, user)) { InnerHandler = new HttpClientHandler() }) { BaseAddress = baseAddress };
    }

    /// <summary>
    /// A SignalR client over websockets only, enums as strings like the pages, signed in as <paramref name="user"/>;
    /// by default the operator on the operations hub and the any-unit officer on the terminal hub. Null: anonymous.
    /// </summary>
    public static HubConnection Hub(Uri web, string path, string? user = "")
    {
        ArgumentNullException.ThrowIfNull(web);
        var who = user == "" ? (path.Contains("terminal", StringComparison.Ordinal) ? Officer : Operator) : user;
        var baseAddress = new Uri(web.GetLeftPart(UriPartial.Authority));
        return new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, path), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                if (who is not null)
                {
                    o.AccessTokenProvider = async () => await TokenAsync(baseAddress, who);
                }
            })
            .AddJsonProtocol(o =>
            {
                o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter());
                o.PayloadSerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
            })
            .Build();
    }

    private sealed record TokenAnswer(string AccessToken);

    private sealed class BearerHandler(Func<Task<string>> token) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization ??= new AuthenticationHeaderValue("Bearer", await token());
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
