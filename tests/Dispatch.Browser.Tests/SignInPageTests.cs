using Dispatch.Testing;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>The sign-in page in Chromium against the real host: operators, officers, and the lockout.</summary>
public sealed class SignInPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const float PatienceMs = 45_000;

    [Fact]
    public async Task An_operator_signs_in_sees_the_map_and_signs_out()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync(user: null);
        await using var _ = context;
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        var sentToSignIn = new Uri(page.Url).AbsolutePath;
        await SignInAsync(page, TestAccounts.Operator, TestAccounts.Password);
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = PatienceMs });
        // The name and the units arrive with the session and the board; on a busy machine a moment after "ready".
        await page.WaitForFunctionAsync("() => (document.querySelector('#who')?.textContent ?? '').trim().length > 0", null, new() { Timeout = PatienceMs });
        var shownName = await page.TextContentAsync("#who");
        var unitsDrawn = await WaitForAsync(page, "id => !!window.dispatchOps.unitLatLng(id)", fixture.Cluster.City.Units[0].Id);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "signed-in-operator.png") });

        await page.ClickAsync("#sign-out");
        await page.WaitForURLAsync("**/signin", new() { Timeout = PatienceMs });
        await page.GotoAsync("/");
        var afterSignOut = new Uri(page.Url).AbsolutePath;

        Assert.Equal("/signin", sentToSignIn);
        Assert.Equal(TestAccounts.Operator, shownName);
        Assert.True(unitsDrawn, "the map shows no unit after sign-in");
        Assert.Equal("/signin", afterSignOut);
        Assert.Empty(outside);
    }

    [Fact]
    public async Task An_officer_signs_in_on_the_terminal_and_is_refused_another_units_actions()
    {
        var ownUnit = fixture.Cluster.City.Units[0].Id;
        var otherUnit = fixture.Cluster.City.Units[1].Id;
        var (context, _) = await fixture.NewOfflineContextAsync(user: null);
        await using var __ = context;
        var page = await context.NewPageAsync();

        await page.GotoAsync("/terminal");
        await SignInAsync(page, BrowserFixture.OfficerOfFirstUnit, TestAccounts.Password);
        await page.WaitForSelectorAsync("body[data-ready=true] #unit-id", new() { Timeout = PatienceMs });
        var prefilled = await page.InputValueAsync("#unit-id");
        await page.FillAsync("#unit-id", otherUnit);
        await page.ClickAsync("#sign-in button[type=submit]");
        await page.WaitForSelectorAsync("#sign-in-error:not([hidden])", new() { Timeout = PatienceMs });
        var refusal = await page.TextContentAsync("#sign-in-error");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "officer-refused-other-unit.png") });

        await page.FillAsync("#unit-id", ownUnit);
        await page.ClickAsync("#sign-in button[type=submit]");
        await page.WaitForSelectorAsync("body[data-connection=connected]", new() { Timeout = PatienceMs });
        var signedOnto = await page.TextContentAsync("#unit-name");

        Assert.Equal(ownUnit, prefilled);
        Assert.Contains($"may not sign onto unit '{otherUnit}'", refusal, StringComparison.Ordinal);
        Assert.Contains(ownUnit, signedOnto, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_so_even_the_right_one_is_refused()
    {
        const string Victim = TestAccounts.Viewer;
        var (context, _) = await fixture.NewOfflineContextAsync(user: null);
        await using var __ = context;
        var page = await context.NewPageAsync();
        await page.GotoAsync("/signin");

        var messages = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await SignInAsync(page, Victim, $"wrong-password-{i}");
            await page.WaitForFunctionAsync("n => document.querySelector('#error').textContent.length > 0", null, new() { Timeout = PatienceMs });
            messages.Add(await page.TextContentAsync("#error") ?? "");
        }

        await SignInAsync(page, Victim, TestAccounts.Password);
        await page.WaitForFunctionAsync("() => document.querySelector('#error').textContent.length > 0", null, new() { Timeout = PatienceMs });
        var withRightPassword = await page.TextContentAsync("#error");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "signin-locked.png") });

        Assert.All(messages.Take(4), m => Assert.Equal("wrong username or password", m));
        Assert.Contains($"account '{Victim}' is locked until", messages[4], StringComparison.Ordinal);
        Assert.Contains($"account '{Victim}' is locked until", withRightPassword, StringComparison.Ordinal);
        Assert.EndsWith("/signin", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
    }

    private static async Task SignInAsync(IPage page, string user, string password)
    {
        await page.WaitForSelectorAsync("#signin", new() { Timeout = PatienceMs });
        await page.EvaluateAsync("() => { document.querySelector('#error').textContent = ''; }");
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#submit");
    }

    /// <summary>Whether <paramref name="expression"/> became true within the patience time (false rather than a timeout, so the assertion names it).</summary>
    private static async Task<bool> WaitForAsync(IPage page, string expression, object argument)
    {
        try
        {
            await page.WaitForFunctionAsync(expression, argument, new() { Timeout = PatienceMs });
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
