using System.Reflection;
using Dispatch.Server.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.Live;

/// <summary>
/// Malformed hub calls (a wrong argument type, a wrong number of arguments, missing or blank text) are answered with a
/// message naming the method, the argument and what was wrong, never SignalR's bare "Failed to invoke ... due to an
/// error on the server". Every public hub method is tried, found by reflection.
/// </summary>
public sealed class HubArgumentTests(LiveHostFixture fixture) : IClassFixture<LiveHostFixture>
{
    private static readonly string[] Lifecycle = [nameof(Hub.OnConnectedAsync), nameof(Hub.OnDisconnectedAsync), nameof(Hub.Dispose)];

    public static TheoryData<string, string> Methods()
    {
        var data = new TheoryData<string, string>();
        foreach (var (hub, path) in new[] { (typeof(OperationsHub), OperationsHub.Path), (typeof(TerminalHub), TerminalHub.Path) })
        {
            foreach (var method in PublicMethods(hub))
            {
                data.Add(path, method.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task Every_argument_of_the_wrong_type_is_refused_naming_the_method_and_the_argument(string path, string methodName)
    {
        var method = MethodOf(path, methodName);
        var parameters = method.GetParameters();
        await using var hub = await fixture.Host.ConnectAsync(path);
        var generic = new List<string>();
        for (var i = 0; i < parameters.Length; i++)
        {
            var arguments = parameters.Select(p => GoodValue(p.ParameterType)).ToArray();
            arguments[i] = WrongValue(parameters[i].ParameterType);

            var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeCoreAsync(methodName, typeof(object), arguments, TestContext.Current.CancellationToken));

            if (!error.Message.Contains($"argument {i + 1} '{parameters[i].Name}' must be", StringComparison.Ordinal))
            {
                generic.Add($"argument {i + 1} '{parameters[i].Name}': {error.Message}");
            }
        }

        Assert.True(generic.Count == 0, string.Join("\n", generic));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task A_wrong_number_of_arguments_is_refused_naming_how_many_the_method_takes(string path, string methodName)
    {
        var parameters = MethodOf(path, methodName).GetParameters();
        await using var hub = await fixture.Host.ConnectAsync(path);

        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeCoreAsync(methodName, typeof(object),
            [.. parameters.Select(p => GoodValue(p.ParameterType)), "one too many"], TestContext.Current.CancellationToken));

        Assert.Contains($"{methodName}({string.Join(", ", parameters.Select(p => p.Name))}) takes {parameters.Length} argument", error.Message, StringComparison.Ordinal);
        Assert.Contains($"got {parameters.Length + 1}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Close", "incident id must not be blank")]
    [InlineData("Assign", "incident id must not be blank")]
    [InlineData("DismissAlert", "alert id must not be blank")]
    [InlineData("OpenIncidentFromAlert", "priority must be 1 (Critical) to 4 (Low), got 0")]
    [InlineData("SendDirective", "directive must not be empty")]
    public async Task Null_text_is_refused_naming_what_is_missing(string methodName, string expected)
    {
        var parameters = MethodOf(OperationsHub.Path, methodName).GetParameters();
        await using var hub = await fixture.Host.ConnectAsync(OperationsHub.Path);

        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeCoreAsync(methodName, typeof(object),
            [.. parameters.Select(p => p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null)], TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_huge_value_is_quoted_bounded_not_echoed_whole()
    {
        await using var hub = await fixture.Host.ConnectAsync(OperationsHub.Path);
        var huge = new string('x', 20_000);

        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Close", huge, "resolved", TestContext.Current.CancellationToken));

        Assert.Contains("incident id must be at most 256 characters", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 500, $"{error.Message.Length} characters");
    }

    private static IEnumerable<MethodInfo> PublicMethods(Type hub) =>
        hub.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(m => !m.IsSpecialName && !Lifecycle.Contains(m.Name));

    private static MethodInfo MethodOf(string path, string name) =>
        PublicMethods(path == OperationsHub.Path ? typeof(OperationsHub) : typeof(TerminalHub)).Single(m => m.Name == name);

    /// <summary>A value that binds to <paramref name="type"/>.</summary>
    private static object? GoodValue(Type type) =>
        type == typeof(string) ? "x"
        : type == typeof(double) ? 36.66
        : type == typeof(int) ? 2
        : type == typeof(string[]) ? Array.Empty<string>()
        : null;

    /// <summary>A value that cannot bind to <paramref name="type"/>: text for numbers, a number for text and objects.</summary>
    private static object WrongValue(Type type) =>
        type == typeof(double) || type == typeof(int) ? "not a number"
        : type == typeof(string[]) ? 5
        : type == typeof(string) ? new { nested = true }
        : 5;
}
