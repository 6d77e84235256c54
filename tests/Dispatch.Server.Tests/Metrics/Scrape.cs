using System.Text.RegularExpressions;

namespace Dispatch.Server.Tests.Metrics;

/// <summary>A Prometheus text exposition, read just enough to look up samples and types.</summary>
internal sealed partial class Scrape(string text)
{
    public string Text { get; } = text;

    /// <summary>Names of every sample (histograms give their _bucket, _sum and _count names).</summary>
    public IReadOnlySet<string> SampleNames { get; } = text.Split('\n')
        .Where(l => l.Length > 0 && l[0] != '#')
        .Select(l => SampleName().Match(l).Value)
        .ToHashSet(StringComparer.Ordinal);

    public static async Task<Scrape> FromAsync(HttpClient client)
    {
        // As Prometheus scrapes: with the scrape token.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Dispatch.Testing.TestAccounts.ScrapeToken);
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return new Scrape(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public string? TypeOf(string metric) =>
        Text.Split('\n').Where(l => l.StartsWith($"# TYPE {metric} ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[3]).FirstOrDefault();

    /// <summary>The value of the sample with exactly these labels (in exposition order), or null.</summary>
    public double? Value(string metric, string labels = "")
    {
        var series = labels.Length == 0 ? metric : $"{metric}{{{labels}}}";
        var line = Text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(series.Length + 1)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SampleName();
}
