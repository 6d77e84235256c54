using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Server.Security;
using Dispatch.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Server.Tests.Security;

/// <summary>Sign-in, lockout, idle sessions and the audit log, on the real host with the host's clock under test control.</summary>
public sealed class SignInTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Five_failures_lock_an_account_for_ten_minutes_and_every_step_is_audited()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new DispatchServerFactory(services: s => s.AddSingleton<TimeProvider>(clock));
        using var client = factory.CreateClient();
        using var supervisor = await factory.SignedInClientAsync(TestAccounts.Supervisor);

        var answers = new List<(HttpStatusCode Status, string Error)>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await TokenAsync(client, TestAccounts.Viewer, $"wrong-password-{i}"));
        }

        var whileLocked = await TokenAsync(client, TestAccounts.Viewer, TestAccounts.Password);
        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var afterTenMinutes = await TokenAsync(client, TestAccounts.Viewer, TestAccounts.Password);
        var audit = await supervisor.GetFromJsonAsync<JsonElement>("/api/audit?limit=50", Cancel);
        var kinds = audit.EnumerateArray().Where(e => e.GetProperty("subject").GetString() == TestAccounts.Viewer)
            .Select(e => e.GetProperty("kind").GetString()).Reverse().ToList();

        Assert.All(answers.Take(4), a => Assert.Equal((HttpStatusCode.Unauthorized, AccountService.WrongCredentials), a));
        Assert.Equal(HttpStatusCode.Unauthorized, answers[4].Status);
        Assert.Contains($"account '{TestAccounts.Viewer}' is locked until", answers[4].Error, StringComparison.Ordinal);
        Assert.Contains("is locked until", whileLocked.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, afterTenMinutes.Status);
        Assert.Equal(
            [.. Enumerable.Repeat(SecurityAudit.SignInFailed, 5), SecurityAudit.LockedOut, SecurityAudit.SignInWhileLocked, SecurityAudit.SignIn],
            kinds.Where(k => k != SecurityAudit.AccountCreated));
    }

    [Fact]
    public async Task A_page_session_ends_after_thirty_idle_minutes_and_lives_on_while_used()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new DispatchServerFactory(services: s => s.AddSingleton<TimeProvider>(clock));
        using var page = factory.CreateClient();
        using var signIn = await page.PostAsJsonAsync("/api/auth/signin", new { username = TestAccounts.Operator, password = TestAccounts.Password }, Cancel);

        clock.Advance(TimeSpan.FromMinutes(20));
        var used = await StatusAsync(page, "/api/auth/me");
        clock.Advance(TimeSpan.FromMinutes(29));
        var stillUsed = await StatusAsync(page, "/api/auth/me");
        clock.Advance(TimeSpan.FromMinutes(31));
        var idle = await StatusAsync(page, "/api/auth/me");

        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized), (used, stillUsed, idle));
    }

    [Fact]
    public async Task Signing_out_ends_the_page_session_and_is_audited()
    {
        await using var factory = new DispatchServerFactory();
        using var page = factory.CreateClient();
        using var signIn = await page.PostAsJsonAsync("/api/auth/signin", new { username = TestAccounts.Operator, password = TestAccounts.Password }, Cancel);

        using var signOut = await page.PostAsync("/api/auth/signout", null, Cancel);
        var afterwards = await StatusAsync(page, "/api/city");
        var audit = await factory.Services.GetRequiredService<ISecurityStore>().ReadAuditAsync(null, 10, SecurityAudit.SignOut, Cancel);

        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterwards);
        Assert.Contains(audit, e => e.Actor == TestAccounts.Operator);
    }

    [Fact]
    public async Task Sign_ins_beyond_the_rate_of_one_address_are_refused_with_retry_after()
    {
        await using var factory = new DispatchServerFactory(new Dictionary<string, string?> { ["Dispatch:GatewayLimits:SignInsPerMinutePerAddress"] = "3" });
        using var client = factory.CreateClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++)
        {
            last?.Dispose();
            last = await client.PostAsJsonAsync("/api/auth/token", new { username = TestAccounts.Viewer, password = TestAccounts.Password }, Cancel);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.NotNull(last!.Headers.RetryAfter);
        last.Dispose();
    }

    [Fact]
    public async Task Only_an_admin_may_grant_the_admin_role()
    {
        await using var factory = new DispatchServerFactory();
        using var supervisor = await factory.SignedInClientAsync(TestAccounts.Supervisor);
        using var admin = await factory.SignedInClientAsync(TestAccounts.Admin);
        object NewAdmin(string name) => new { username = name, password = TestAccounts.Password, roles = new[] { Roles.Admin } };

        using var bySupervisor = await supervisor.PostAsJsonAsync("/api/admin/accounts", NewAdmin("new-admin-1"), Cancel);
        using var byAdmin = await admin.PostAsJsonAsync("/api/admin/accounts", NewAdmin("new-admin-2"), Cancel);
        using var badRole = await admin.PostAsJsonAsync("/api/admin/accounts", new { username = "x1", password = TestAccounts.Password, roles = new[] { "king" } }, Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, bySupervisor.StatusCode);
        Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        Assert.Contains("unknown role 'king'", await badRole.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, string Error)> TokenAsync(HttpClient client, string user, string password)
    {
        using var response = await client.PostAsJsonAsync("/api/auth/token", new { username = user, password }, Cancel);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        return (response.StatusCode, body.TryGetProperty("error", out var error) ? error.GetString() ?? "" : "");
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Cancel);
        return response.StatusCode;
    }
}
