using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.Exports;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Json.Schema;

namespace Dispatch.Server.Tests.Exports;

/// <summary>The schemas of Exports/Schemas (ours, written from the standards) and the checks CAP states outside its structure.</summary>
internal static class ExportSchemas
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Exports", "Schemas");
    private static readonly Lazy<XmlSchemaSet> Cap = new(() =>
    {
        var set = new XmlSchemaSet();
        set.Add(IncidentDocuments.CapNamespace, Path.Combine(Folder, "cap-1.2-ours.xsd"));
        set.Compile();
        return set;
    });

    private static readonly Lazy<JsonSchema> Eido = new(() => JsonSchema.FromFile(Path.Combine(Folder, "eido-1.0-ours.schema.json")));

    /// <summary>Every schema error and broken CAP rule, empty when the message is valid.</summary>
    public static List<string> CapErrors(string xml)
    {
        var errors = new List<string>();
        var document = XDocument.Parse(xml);
        document.Validate(Cap.Value, (_, e) => errors.Add($"{e.Severity}: {e.Message}"));
        XNamespace c = IncidentDocuments.CapNamespace;
        var alert = document.Root!;
        var scope = (string?)alert.Element(c + "scope");
        if (scope == "Restricted" && string.IsNullOrWhiteSpace((string?)alert.Element(c + "restriction")))
        {
            errors.Add("scope Restricted without a restriction");
        }

        if ((string?)alert.Element(c + "msgType") is "Update" or "Cancel" && alert.Element(c + "references") is null)
        {
            errors.Add("an Update or Cancel without references");
        }

        if (alert.Element(c + "references") is { } references && references.Value.Split(' ').Any(r => r.Split(',').Length != 3))
        {
            errors.Add($"references must be sender,identifier,sent triples: {references.Value}");
        }

        return errors;
    }

    public static List<string> EidoErrors(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Eido.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : [.. (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))];
    }
}

/// <summary>GET /api/incidents/{id}/cap and /eido on the real host, for every incident type, open and ended.</summary>
public sealed class IncidentExportTests(LiveHostFixture fixture) : IClassFixture<LiveHostFixture>
{
    private LiveTestHost Host => fixture.Host;

    private async Task<string> ReportAsync(string type, IncidentPriority priority, IncidentSource source, int n)
    {
        var station = fixture.Cluster.City.Stations[n % fixture.Cluster.City.Stations.Count].Location;
        var result = await Host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            type, priority, station.Latitude + 0.0005, station.Longitude + 0.0005, $"export test {type} <&> \"quoted\"", source, "operator:test"));
        Assert.True(result.Ok, result.Error);
        return result.IncidentId!;
    }

    public static TheoryData<string> Types() => [.. IncidentTypeCodes.KnownTypes.Append("graffiti on a bridge")];

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Every_incident_type_exports_valid_CAP_and_EIDO_while_open_and_once_ended(string type)
    {
        using var http = TestAccounts.Http(Host.BaseAddress);
        var n = Math.Abs(type.GetHashCode(StringComparison.Ordinal)) % 4;
        var incidentId = await ReportAsync(type, (IncidentPriority)(n + 1), (IncidentSource)n, n);

        var openCap = await http.GetStringAsync(new Uri($"/api/incidents/{incidentId}/cap", UriKind.Relative), TestContext.Current.CancellationToken);
        var openEido = await http.GetStringAsync(new Uri($"/api/incidents/{incidentId}/eido", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Empty(ExportSchemas.CapErrors(openCap));
        Assert.Empty(ExportSchemas.EidoErrors(openEido));

        var grain = Host.Grains.GetGrain<IIncidentGrain>(incidentId);
        var ended = n % 2 == 0 ? await grain.CloseAsync("resolved", "operator:test") : await grain.CancelAsync("duplicate call", "operator:test");
        Assert.True(ended.Ok, ended.Error);
        var endedCap = await http.GetStringAsync(new Uri($"/api/incidents/{incidentId}/cap", UriKind.Relative), TestContext.Current.CancellationToken);
        var endedEido = await http.GetStringAsync(new Uri($"/api/incidents/{incidentId}/eido", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Empty(ExportSchemas.CapErrors(endedCap));
        Assert.Empty(ExportSchemas.EidoErrors(endedEido));

        XNamespace c = IncidentDocuments.CapNamespace;
        var cap = XDocument.Parse(endedCap).Root!;
        Assert.Equal(n % 2 == 0 ? "Update" : "Cancel", (string?)cap.Element(c + "msgType"));
        Assert.Equal("AllClear", (string?)cap.Element(c + "info")!.Element(c + "responseType"));
        Assert.Equal(type, (string?)cap.Element(c + "info")!.Element(c + "event"));
        Assert.Equal(IncidentTypeCodes.CapCategory(type), (string?)cap.Element(c + "info")!.Element(c + "category"));
        using var eido = JsonDocument.Parse(endedEido);
        Assert.EndsWith($"{incidentId}:psap.jinan.example", eido.RootElement.GetProperty("$id").GetString(), StringComparison.Ordinal);
        Assert.Equal(IncidentTypeCodes.EidoType(type), eido.RootElement.GetProperty("incidentComponent").GetProperty("incidentTypeCommonRegistryText").GetString());
        Assert.Equal(n % 2 == 0 ? "Closed" : "Cancelled", eido.RootElement.GetProperty("incidentComponent").GetProperty("incidentStatusCommonRegistryText")[0].GetString());
    }

    [Fact]
    public async Task A_dispatched_incident_lists_its_units_in_both_documents()
    {
        using var http = TestAccounts.Http(Host.BaseAddress);
        var incidentId = await ReportAsync("assault", IncidentPriority.High, IncidentSource.Call, 1);
        var grain = Host.Grains.GetGrain<IIncidentGrain>(incidentId);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await grain.GetAsync())!.Assignments.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var view = (await grain.GetAsync())!;
        Assert.NotEmpty(view.Assignments);
        var capXml = await http.GetStringAsync(new Uri($"/api/incidents/{incidentId}/cap", UriKind.Relative), TestContext.Current.CancellationToken);
        var eidoJson = await http.GetStringAsync(new Uri($"/api/incidents/{incidentId}/eido", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Empty(ExportSchemas.CapErrors(capXml));
        Assert.Empty(ExportSchemas.EidoErrors(eidoJson));
        Assert.Contains(view.Assignments[0].UnitId, capXml, StringComparison.Ordinal);
        using var eido = JsonDocument.Parse(eidoJson);
        var names = eido.RootElement.GetProperty("emergencyResourceComponent").EnumerateArray().Select(r => r.GetProperty("emergencyResourceName").GetString()).ToList();
        Assert.Contains(view.Assignments[0].UnitId, names);
    }

    [Fact]
    public async Task The_schemas_refuse_a_broken_document()
    {
        // A check that cannot fail proves nothing: the same exports with a required member removed are refused.
        var incidentId = await ReportAsync("fire", IncidentPriority.Critical, IncidentSource.Camera, 2);
        using var http = TestAccounts.Http(Host.BaseAddress);
        var cap = await http.GetStringAsync(new Uri($"/api/incidents/{incidentId}/cap", UriKind.Relative), TestContext.Current.CancellationToken);
        var eido = await http.GetStringAsync(new Uri($"/api/incidents/{incidentId}/eido", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.NotEmpty(ExportSchemas.CapErrors(cap.Replace("<urgency>Immediate</urgency>", "", StringComparison.Ordinal)));
        Assert.NotEmpty(ExportSchemas.CapErrors(cap.Replace("<category>Fire</category>", "<category>Blaze</category>", StringComparison.Ordinal)));
        Assert.NotEmpty(ExportSchemas.CapErrors(System.Text.RegularExpressions.Regex.Replace(cap, @"(<sent>[^<]*)\+08:00<", "${1}Z<")));
        Assert.NotEmpty(ExportSchemas.EidoErrors(eido.Replace("\"incidentTypeCommonRegistryText\"", "\"incidentTypeText\"", StringComparison.Ordinal)));
        Assert.NotEmpty(ExportSchemas.EidoErrors(eido.Replace("\"eidoVersion\": \"1.0\"", "\"eidoVersion\": \"2.0\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_unknown_incident_is_not_found_naming_it()
    {
        using var http = TestAccounts.Http(Host.BaseAddress);

        var response = await http.GetAsync(new Uri("/api/incidents/INC-none/cap", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("unknown incident 'INC-none'", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}

/// <summary>The webhook outbox against receivers this test starts: signed posts, retries with backoff, dead letters.</summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private const string Secret = "test-webhook-secret-0123456789";
    private readonly LiveCluster _cluster = new(grids: 2);
    private readonly WebhookReceiver _receiver = new();
    private LiveTestHost _host = null!;
    private HttpClient _http = null!;

    public ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dispatch:Exports:MaxAttempts"] = "3",
            ["Dispatch:Exports:FirstRetrySeconds"] = "0.3",
            ["Dispatch:Exports:MaxRetrySeconds"] = "2",
            ["Dispatch:Exports:RequestTimeoutSeconds"] = "5",
        };
        string[] names = ["cap", "eido", "flaky", "down"];
        for (var i = 0; i < names.Length; i++)
        {
            settings[$"Dispatch:Exports:Webhooks:{i}:Name"] = names[i];
            settings[$"Dispatch:Exports:Webhooks:{i}:Url"] = _receiver.Url(names[i]);
            settings[$"Dispatch:Exports:Webhooks:{i}:Format"] = names[i] == "eido" ? "eido" : "cap";
            settings[$"Dispatch:Exports:Webhooks:{i}:Secret"] = Secret;
        }

        _host = LiveTestHost.StartPrimary(_cluster, settings);
        _http = TestAccounts.Http(_host.BaseAddress, TestAccounts.Supervisor);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
        _cluster.Dispose();
    }

    private async Task<string> OpenAsync(string type = "theft")
    {
        var station = _cluster.City.Stations[0].Location;
        var result = await _host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            type, IncidentPriority.Normal, station.Latitude + 0.001, station.Longitude, "webhook test", IncidentSource.Call, "operator:test"));
        Assert.True(result.Ok, result.Error);
        return result.IncidentId!;
    }

    [Fact]
    public async Task Each_endpoint_gets_signed_documents_on_open_update_and_close_in_order()
    {
        var incidentId = await OpenAsync();
        Assert.True((await _host.Grains.GetGrain<IIncidentGrain>(incidentId).CloseAsync("resolved", "operator:test")).Ok);

        var cap = await _receiver.WaitForAsync("cap", incidentId, p => p.Any(x => x.Event == "closed"));
        var eido = await _receiver.WaitForAsync("eido", incidentId, p => p.Any(x => x.Event == "closed"));

        Assert.Equal("opened", cap[0].Event);
        Assert.Equal("closed", cap[^1].Event);
        Assert.All(cap.Skip(1).SkipLast(1), p => Assert.Equal("updated", p.Event));
        Assert.All(cap.Concat(eido), p => Assert.Equal(WebhookOutbox.Sign(Secret, long.Parse(p.Signature.Split(',')[0][2..], CultureInfo.InvariantCulture), p.Body), p.Signature));
        Assert.All(cap, p => Assert.StartsWith("application/cap+xml", p.ContentType, StringComparison.Ordinal));
        Assert.All(cap, p => Assert.Empty(ExportSchemas.CapErrors(p.Body)));
        Assert.All(eido, p => Assert.Empty(ExportSchemas.EidoErrors(p.Body)));
        Assert.Contains("<msgType>Alert</msgType>", cap[0].Body, StringComparison.Ordinal);
        Assert.Contains("<responseType>AllClear</responseType>", cap[^1].Body, StringComparison.Ordinal);

        // A body changed in transit no longer matches its signature.
        var first = cap[0];
        var t = long.Parse(first.Signature.Split(',')[0][2..], CultureInfo.InvariantCulture);
        Assert.NotEqual(first.Signature, WebhookOutbox.Sign(Secret, t, first.Body.Replace("theft", "thefts", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_with_growing_waits_until_it_answers()
    {
        // The flaky endpoint answers 503 twice per delivery, then 200.
        _receiver.Answer = (path, _, attempt) => path == "flaky" && attempt <= 2 ? 503 : path == "down" ? 500 : 200;
        var incidentId = await OpenAsync();

        var posts = await _receiver.WaitForAsync("flaky", incidentId, p => p.Count(x => x.Event == "opened") >= 3);

        var opened = posts.Where(p => p.Event == "opened").ToList();
        Assert.Equal([503, 503, 200], opened.Select(p => p.AnsweredStatus));
        Assert.Single(opened.Select(p => p.DeliveryId).Distinct());
        var firstWait = opened[1].At - opened[0].At;
        var secondWait = opened[2].At - opened[1].At;
        Assert.True(firstWait >= TimeSpan.FromSeconds(0.2), $"first retry after {firstWait}");
        Assert.True(secondWait > firstWait, $"waits {firstWait} then {secondWait}");

        // Nothing later for this incident overtook the delivery that was being retried.
        Assert.True(posts.Where(p => p.Event != "opened").All(p => p.At >= opened[2].At));
    }

    [Fact]
    public async Task A_receiver_that_stays_down_ends_in_the_dead_letter_list_and_a_retry_delivers_it()
    {
        var down = true;
        _receiver.Answer = (path, _, _) => path == "down" && down ? 500 : path == "flaky" ? 200 : 200;
        var incidentId = await OpenAsync();

        await _receiver.WaitForAsync("down", incidentId, p => p.Count(x => x.Event == "opened") >= 3);
        var letter = await EventuallyAsync(async () => (await DeadLettersAsync()).FirstOrDefault(d => d.IncidentId == incidentId && d.Endpoint == "down"));
        Assert.Equal("opened", letter.Event);
        Assert.Equal(3, letter.Attempts);
        Assert.Contains("HTTP 500", letter.LastError, StringComparison.Ordinal);

        down = false;
        var retry = await _http.PostAsync(new Uri($"/api/exports/dead-letters/{letter.DeliveryId}/retry", UriKind.Relative), null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);

        await _receiver.WaitForAsync("down", incidentId, p => p.Any(x => x.Event == "opened" && x.AnsweredStatus == 200));
        await EventuallyAsync(async () => (await DeadLettersAsync()).All(d => d.DeliveryId != letter.DeliveryId) ? letter : null);
    }

    [Fact]
    public async Task A_refusal_is_a_dead_letter_at_once_and_an_unknown_retry_is_not_found()
    {
        _receiver.Answer = (path, _, _) => path == "down" ? 422 : 200;
        var incidentId = await OpenAsync("vehicle");

        var letter = await EventuallyAsync(async () => (await DeadLettersAsync()).FirstOrDefault(d => d.IncidentId == incidentId && d.Endpoint == "down"));

        Assert.True(letter.Attempts == 1, $"{letter.Attempts} attempts: {letter.LastError}");
        Assert.Contains("HTTP 422", letter.LastError, StringComparison.Ordinal);
        Assert.Single(_receiver.For("down", incidentId), p => p.Event == "opened");
        var missing = await _http.PostAsync(new Uri("/api/exports/dead-letters/999999/retry", UriKind.Relative), null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no dead letter with id 999999", await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private async Task<List<DeadLetter>> DeadLettersAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri("/api/exports/dead-letters", UriKind.Relative), TestContext.Current.CancellationToken));
        return JsonSerializer.Deserialize<List<DeadLetter>>(document.RootElement.GetProperty("deadLetters").GetRawText(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException("the condition did not hold within 20 s");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}

/// <summary>Bad export settings stop the host naming the key.</summary>
public sealed class ExportOptionsTests
{
    [Fact]
    public void Every_bad_setting_is_named_with_its_value()
    {
        var options = new ExportOptions
        {
            Sender = "has space",
            Scope = "Restricted",
            Restriction = "",
            Webhooks = [new WebhookEndpoint { Name = "a", Url = "ftp://x", Format = "pdf", Secret = "short" }],
        };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.Contains("Dispatch:Exports:Sender", StringComparison.Ordinal) && e.Contains("has space", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Dispatch:Exports:Restriction must be given", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Webhooks:0:Url", StringComparison.Ordinal) && e.Contains("ftp://x", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Webhooks:0:Format must be cap or eido, got 'pdf'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Webhooks:0:Secret must be at least 16 characters", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("short", StringComparison.Ordinal));
        Assert.Empty(new ExportOptions().Validate());
    }
}
