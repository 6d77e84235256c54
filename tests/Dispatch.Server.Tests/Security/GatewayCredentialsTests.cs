using Dispatch.Server.Cameras;
using Dispatch.Server.Security;
using Dispatch.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Server.Tests.Security;

/// <summary>Gateway credentials against a real SQLite security store: stored hashed, verified, rotated, bounded.</summary>
public sealed class GatewayCredentialsTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("dispatch-gateway-credentials");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-05-01T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private SqliteSecurityStore _store = null!;
    private GatewayCredentials _credentials = null!;

    public async ValueTask InitializeAsync()
    {
        _store = new SqliteSecurityStore(_directory.File("security.db"));
        await _store.InitializeAsync(TestContext.Current.CancellationToken);
        _credentials = new GatewayCredentials(_store, new SecurityAudit(_store, _clock, NullLogger<SecurityAudit>.Instance), _clock, NullLogger<GatewayCredentials>.Instance);
        var configured = new GatewayOptions();
        configured.Gateways["gw-a"] = new GatewayRegistration { Credential = "secret-of-gateway-a" };
        await _credentials.SeedAsync(configured, demo: false, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("gw-a", "secret-of-gateway-a", null)]
    [InlineData("gw-a", "wrong", "the credential for gateway 'gw-a' is wrong")]
    [InlineData("gw-a", "", "the credential for gateway 'gw-a' is missing or longer than 1024 characters")]
    [InlineData("gw-b", "secret-of-gateway-a", "gateway 'gw-b' is not registered")]
    [InlineData("", "secret", "gateway_id is empty")]
    public async Task Gateways_authenticate_by_id_and_credential(string gatewayId, string credential, string? expected)
    {
        Assert.Equal(expected, await _credentials.AuthenticateAsync(gatewayId, credential, null, "", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_credential_is_stored_hashed_never_in_plain_text()
    {
        var stored = await _store.FindGatewayAsync("gw-a", TestContext.Current.CancellationToken);

        Assert.NotNull(stored);
        Assert.DoesNotContain("secret-of-gateway-a", stored.CredentialHash, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-of-gateway-a", await File.ReadAllTextAsync(_directory.File("security.db"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotated_credential_works_at_once_and_the_old_one_no_longer()
    {
        Assert.Null(await _credentials.AuthenticateAsync("gw-a", "secret-of-gateway-a", null, "", TestContext.Current.CancellationToken));

        var rotated = GatewayCredentials.NewCredential();
        await _credentials.SaveAsync("gw-a", rotated, null, demo: false, "t-admin", "", SecurityAudit.GatewayRotated, TestContext.Current.CancellationToken);

        Assert.Null(await _credentials.AuthenticateAsync("gw-a", rotated, null, "", TestContext.Current.CancellationToken));
        Assert.Equal("the credential for gateway 'gw-a' is wrong", await _credentials.AuthenticateAsync("gw-a", "secret-of-gateway-a", null, "", TestContext.Current.CancellationToken));
        Assert.Contains(await _store.ReadAuditAsync(null, 10, SecurityAudit.GatewayRotated, TestContext.Current.CancellationToken), e => e.Subject == "gw-a" && e.Actor == "t-admin");
    }

    [Fact]
    public async Task A_huge_gateway_id_is_refused_without_being_echoed()
    {
        var huge = new string('x', 1_000_000);

        var refusal = await _credentials.AuthenticateAsync(huge, "secret", null, "", TestContext.Current.CancellationToken);

        Assert.Equal("gateway_id is longer than 128 characters", refusal);
    }

    [Fact]
    public async Task Ten_failures_within_a_minute_refuse_even_the_right_credential_until_the_minute_is_over()
    {
        for (var i = 0; i < GatewayCredentials.MaxFailuresPerMinute; i++)
        {
            Assert.NotNull(await _credentials.AuthenticateAsync("gw-a", "guess-" + i, null, "", TestContext.Current.CancellationToken));
        }

        var blocked = await _credentials.AuthenticateAsync("gw-a", "secret-of-gateway-a", null, "", TestContext.Current.CancellationToken);
        Assert.Equal("gateway 'gw-a' had 10 failed attempts within a minute; try again later", blocked);

        _clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(await _credentials.AuthenticateAsync("gw-a", "secret-of-gateway-a", null, "", TestContext.Current.CancellationToken));
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
