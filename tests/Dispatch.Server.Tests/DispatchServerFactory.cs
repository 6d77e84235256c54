using System.Net.Http.Json;
using Dispatch.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests;

/// <summary>The real host (co-hosted silo, SQLite storage) on its own ports and database file.</summary>
public sealed class DispatchServerFactory : WebApplicationFactory<Program>
{
    private readonly TempDirectory _directory = new("dispatch-server");
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="settings">Added to or overriding the test defaults.</param>
    /// <param name="services">Replaces services, e.g. the host's <see cref="TimeProvider"/>.</param>
    public DispatchServerFactory(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        _settings = TestAccounts.AddTo(new Dictionary<string, string?>
        {
            ["Dispatch:Silo:SiloPort"] = TestPorts.GetFreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dispatch:Silo:GatewayPort"] = TestPorts.GetFreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dispatch:Silo:ClusterId"] = "test-" + Guid.NewGuid().ToString("N")[..8],
            ["Dispatch:Storage:SqlitePath"] = DatabasePath,
        });
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DatabasePath => _directory.File("dispatch.db");

    /// <summary>A client of the in-memory server signed in as <paramref name="user"/> with a bearer token, like a program.</summary>
    public async Task<HttpClient> SignedInClientAsync(string user = TestAccounts.Operator)
    {
        var client = CreateClient();
        using var response = await client.PostAsJsonAsync("/api/auth/token", new { username = user, password = TestAccounts.Password }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
