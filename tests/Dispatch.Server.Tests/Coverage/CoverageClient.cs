using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dispatch.Server.Coverage;

namespace Dispatch.Server.Tests.Coverage;

/// <summary>The coverage endpoints as a page calls them (JSON, enums as names).</summary>
internal static class CoverageClient
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static async Task<CoverageView> CoverageAsync(this HttpClient http) =>
        (await http.GetFromJsonAsync<CoverageView>("/api/coverage", Json, TestContext.Current.CancellationToken))!;

    public static async Task<MoveUpsView> MoveUpsAsync(this HttpClient http) =>
        (await http.GetFromJsonAsync<MoveUpsView>("/api/coverage/move-ups", Json, TestContext.Current.CancellationToken))!;

    public static Task<HttpResponseMessage> AcceptAsync(this HttpClient http, object body) =>
        http.PostAsJsonAsync("/api/coverage/move-ups/accept", body, Json, TestContext.Current.CancellationToken);

    /// <summary>Asks again until <paramref name="done"/> holds: the board learns of unit changes through the notifier.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> get, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var value = await get();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within 20 s");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
