using System.Collections.Concurrent;
using Dispatch.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Dispatch.Server.Tests.Exports;

/// <summary>One POST a receiver got: which path, the headers the service signs with, the body, when.</summary>
public sealed record ReceivedPost(string Path, string Event, string IncidentId, string DeliveryId, string Signature, string ContentType, string Body, DateTimeOffset At, int AnsweredStatus);

/// <summary>
/// A real HTTP server on loopback that the test starts itself: it records every POST and answers with the status
/// <see cref="Answer"/> picks (by path, incident and how many times this delivery was seen), 200 by default.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedPost> _posts = new();

    public WebhookReceiver()
    {
        Port = TestPorts.GetFreeTcpPort();
        var builder = WebApplication.CreateSlimBuilder();

        // The host's appsettings.json sits beside the tests; its Kestrel endpoints are not this receiver's.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = $"http://127.0.0.1:{Port}" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/{name}", async (string name, HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var incident = request.Headers["X-Dispatch-Incident"].ToString();
            var delivery = request.Headers["X-Dispatch-Delivery"].ToString();
            var seen = _posts.Count(p => p.Path == name && p.DeliveryId == delivery) + 1;
            var status = Answer(name, incident, seen);
            _posts.Enqueue(new ReceivedPost(
                name, request.Headers["X-Dispatch-Event"].ToString(), incident, delivery, request.Headers["X-Dispatch-Signature"].ToString(),
                request.ContentType ?? "", body, DateTimeOffset.UtcNow, status));
            return Results.StatusCode(status);
        });
        _app.StartAsync().GetAwaiter().GetResult();
    }

    public int Port { get; }

    public string Url(string name) => $"http://127.0.0.1:{Port}/{name}";

    /// <summary>(path, incident id, attempt of this delivery) to the HTTP status to answer.</summary>
    public Func<string, string, int, int> Answer { get; set; } = (_, _, _) => 200;

    public IReadOnlyList<ReceivedPost> Posts => [.. _posts];

    public IReadOnlyList<ReceivedPost> For(string path, string incidentId) => [.. _posts.Where(p => p.Path == path && p.IncidentId == incidentId)];

    /// <summary>Waits until the posts for one path and incident satisfy <paramref name="done"/>.</summary>
    public async Task<IReadOnlyList<ReceivedPost>> WaitForAsync(string path, string incidentId, Func<IReadOnlyList<ReceivedPost>, bool> done, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var posts = For(path, incidentId);
            if (done(posts))
            {
                return posts;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"{path}/{incidentId}: got {posts.Count} posts: {string.Join(", ", posts.Select(p => $"{p.Event}->{p.AnsweredStatus}"))}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
