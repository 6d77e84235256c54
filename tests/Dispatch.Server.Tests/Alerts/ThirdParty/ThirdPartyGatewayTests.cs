using System.Text.Json;
using Dispatch.Server.Tests.Metrics;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Alerts.ThirdParty;

/// <summary>
/// The CameraGateway contract as a gateway written by someone else meets it: a Python client (Debian's python3-grpcio)
/// with stubs generated from protos/ only, over real HTTP/2 to the real host.
/// </summary>
public sealed class ThirdPartyGatewayTests(SharedAlertHost shared) : IClassFixture<SharedAlertHost>
{
    private Task<JsonElement> RunAsync(string scenario, string cameraId) =>
        ThirdPartyGateway.RunAsync(shared.Host.GrpcPort, scenario, Gateway, Credential, cameraId);

    [Fact]
    public async Task An_alert_over_the_message_limit_on_Connect_is_rejected_in_its_ack_and_the_stream_carries_on()
    {
        var before = await ScrapeAsync();

        var result = await RunAsync("oversized-alert", CameraId(17));

        var after = await ScrapeAsync();
        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var acks = result.GetProperty("acks").EnumerateArray().ToList();
        Assert.Equal(3, acks.Count);
        var huge = Assert.Single(acks, a => a.GetProperty("alert_id").GetString()!.StartsWith("huge-", StringComparison.Ordinal));
        Assert.Equal(("ALERT_OUTCOME_REJECTED", "REJECT_REASON_ALERT_TOO_LARGE"), (huge.GetProperty("outcome").GetString(), huge.GetProperty("reason").GetString()));
        Assert.Contains("bytes", huge.GetProperty("message").GetString(), StringComparison.Ordinal);
        var after1 = Assert.Single(acks, a => a.GetProperty("alert_id").GetString()!.StartsWith("after-", StringComparison.Ordinal));
        Assert.Equal("ALERT_OUTCOME_ACCEPTED", after1.GetProperty("outcome").GetString());
        Assert.Equal(1, after.Value("dispatch_alerts_rejected_total", "reason=\"too_large\"") - before.Value("dispatch_alerts_rejected_total", "reason=\"too_large\""));
    }

    [Fact]
    public async Task An_alert_over_the_message_limit_on_PublishAlert_is_answered_with_a_rejection_not_a_call_error()
    {
        var result = await RunAsync("oversized-publish", CameraId(18));

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var ack = result.GetProperty("ack");
        Assert.Equal(("ALERT_OUTCOME_REJECTED", "REJECT_REASON_ALERT_TOO_LARGE"), (ack.GetProperty("outcome").GetString(), ack.GetProperty("reason").GetString()));
        Assert.StartsWith("huge-unary-", ack.GetProperty("alert_id").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hello_over_the_message_limit_ends_the_call_resource_exhausted_saying_why()
    {
        var result = await RunAsync("oversized-hello", CameraId(1));

        Assert.False(result.GetProperty("welcomed").GetBoolean());
        var error = result.GetProperty("error");
        Assert.Equal("RESOURCE_EXHAUSTED", error.GetProperty("code").GetString());
        Assert.Contains("Hello of", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_heartbeat_over_the_message_limit_is_dropped_and_the_stream_carries_on()
    {
        var result = await RunAsync("oversized-heartbeat", CameraId(3));

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        Assert.Equal(["ALERT_OUTCOME_ACCEPTED", "ALERT_OUTCOME_ACCEPTED"], result.GetProperty("acks").EnumerateArray().Select(a => a.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task A_new_camera_announced_without_a_location_is_refused_as_missing_its_location_not_out_of_range()
    {
        var result = await RunAsync("new-camera-without-location", CameraId(19));

        Assert.True(result.GetProperty("welcomed").GetBoolean());
        Assert.Single(result.GetProperty("refused").EnumerateArray());
        Assert.Equal(["REJECT_REASON_CAMERA_LOCATION_MISSING"], result.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Every_alert_with_an_observed_at_no_timestamp_can_hold_gets_exactly_one_rejection_on_Connect()
    {
        var result = await RunAsync("extreme-observed-at-connect", CameraId(20));

        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var sent = result.GetProperty("sent").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var acks = result.GetProperty("acks").EnumerateArray().ToList();
        Assert.Equal(sent.Keys.Order(), acks.Select(a => a.GetProperty("alert_id").GetString()!).Order());
        foreach (var ack in acks)
        {
            var name = sent[ack.GetProperty("alert_id").GetString()!];
            var expected = name == "ordinary"
                ? ("ALERT_OUTCOME_ACCEPTED", "REJECT_REASON_UNSPECIFIED")
                : ("ALERT_OUTCOME_REJECTED", "REJECT_REASON_OBSERVED_AT_INVALID");
            Assert.Equal(expected, (ack.GetProperty("outcome").GetString(), ack.GetProperty("reason").GetString()));
        }
    }

    [Fact]
    public async Task An_observed_at_no_timestamp_can_hold_is_rejected_by_PublishAlert_with_a_reason_not_an_exception()
    {
        var result = await RunAsync("extreme-observed-at-publish", CameraId(20));

        foreach (var answer in result.EnumerateObject())
        {
            Assert.True(answer.Value.GetProperty("error").ValueKind == JsonValueKind.Null, $"{answer.Name}: {answer.Value}");
            var ack = answer.Value.GetProperty("ack");
            Assert.Equal(("ALERT_OUTCOME_REJECTED", "REJECT_REASON_OBSERVED_AT_INVALID"), (ack.GetProperty("outcome").GetString(), ack.GetProperty("reason").GetString()));
            Assert.Contains("observed_at", ack.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_huge_gateway_id_is_refused_unauthenticated_without_echoing_it_back()
    {
        var result = await RunAsync("huge-gateway-id", CameraId(1));

        var error = result.GetProperty("error");
        Assert.Equal("UNAUTHENTICATED", error.GetProperty("code").GetString());
        Assert.InRange(error.GetProperty("detail_length").GetInt32(), 1, 300);
        Assert.Contains("1000000 characters", error.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_is_counted_as_a_duplicate_not_as_a_rejection()
    {
        var before = await ScrapeAsync();

        var result = await RunAsync("duplicate-alert", CameraId(2));

        var after = await ScrapeAsync();
        Assert.Equal(["ALERT_OUTCOME_ACCEPTED", "ALERT_OUTCOME_DUPLICATE"], result.GetProperty("acks").EnumerateArray().Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal(1, after.Value("dispatch_alerts_duplicate_total") - before.Value("dispatch_alerts_duplicate_total"));
        Assert.Equal(RejectedTotal(before), RejectedTotal(after));
        Assert.DoesNotContain("dispatch_alerts_rejected_total{reason=\"duplicate\"}", after.Text, StringComparison.Ordinal);
    }

    private async Task<Scrape> ScrapeAsync()
    {
        using var http = shared.Host.Http();
        return await Scrape.FromAsync(http);
    }

    private static double RejectedTotal(Scrape scrape) => scrape.Text.Split('\n')
        .Where(l => l.StartsWith("dispatch_alerts_rejected_total{", StringComparison.Ordinal))
        .Sum(l => double.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
}
