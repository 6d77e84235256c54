using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Domain.EarlyWarning;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;

namespace Dispatch.Server.EarlyWarning;

/// <summary>Past incidents for the early-warning methods: what, where, when, and how each ended.</summary>
public interface IIncidentHistory
{
    /// <summary>Incidents created in [from, until), in no particular order.</summary>
    Task<IReadOnlyList<HistoricalIncident>> ReadAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken);
}

/// <summary>
/// The history read from the incident table (one indexed query by creation time): what, where, when and how each ended.
/// </summary>
public sealed class IncidentTableHistory(Abstractions.Records.IIncidentStore store) : IIncidentHistory
{
    public async Task<IReadOnlyList<HistoricalIncident>> ReadAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var found = await store.FindAsync(new Abstractions.Records.IncidentFilter { CreatedFrom = from, CreatedBefore = until, Limit = 100_000 }, cancellationToken);
        return [.. found.Select(i => new HistoricalIncident(
            i.IncidentId, i.Type, i.Priority, new GeoPoint(i.Latitude, i.Longitude), i.CreatedAt, i.EndedAt,
            i.Status switch
            {
                IncidentStatus.Closed => HistoricalOutcome.Closed,
                IncidentStatus.Cancelled => HistoricalOutcome.Cancelled,
                _ => HistoricalOutcome.Open,
            }))];
    }
}

/// <summary>
/// The history read from the incident journal (for a journal without the incident table): a "created" entry carries the incident's type, priority and place in
/// its text, a "closed" or "cancelled" entry its end. It reads the whole journal; <see cref="IncidentTableHistory"/> is what
/// the host uses.
/// </summary>
public sealed partial class JournalIncidentHistory(IIncidentJournal journal, ILogger<JournalIncidentHistory> logger) : IIncidentHistory
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<HistoricalIncident>> ReadAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var created = new Dictionary<string, HistoricalIncident>(StringComparer.Ordinal);
        var ended = new Dictionary<string, (DateTimeOffset At, HistoricalOutcome Outcome)>(StringComparer.Ordinal);
        var unreadable = 0;
        await foreach (var entry in journal.ReadAllAsync(cancellationToken))
        {
            switch (entry.Kind)
            {
                case TimelineKinds.Created when entry.At >= from && entry.At < until:
                    if (Parse(entry) is { } incident)
                    {
                        created[entry.IncidentId] = incident;
                    }
                    else
                    {
                        unreadable++;
                    }

                    break;
                case TimelineKinds.Closed:
                    ended[entry.IncidentId] = (entry.At, HistoricalOutcome.Closed);
                    break;
                case TimelineKinds.Cancelled:
                    ended[entry.IncidentId] = (entry.At, HistoricalOutcome.Cancelled);
                    break;
            }
        }

        if (unreadable > 0)
        {
            LogUnreadable(logger, unreadable);
        }

        return [.. created.Values.Select(i => ended.TryGetValue(i.IncidentId, out var end) ? i with { EndedAt = end.At, Outcome = end.Outcome } : i)];
    }

    /// <summary>The incident a "created" journal entry describes, or null when its text is not in the expected form.</summary>
    public static HistoricalIncident? Parse(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string? text;
        try
        {
            text = JsonSerializer.Deserialize<Payload>(entry.PayloadJson, Json)?.Text;
        }
        catch (JsonException)
        {
            return null;
        }

        var match = text is null ? null : CreatedText().Match(text);
        if (match is not { Success: true }
            || !Enum.TryParse<IncidentPriority>(match.Groups["priority"].Value, out var priority)
            || !double.TryParse(match.Groups["lat"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var latitude)
            || !double.TryParse(match.Groups["lon"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var longitude)
            || GeoPoint.Validate(latitude, longitude) is not null)
        {
            return null;
        }

        return new HistoricalIncident(entry.IncidentId, match.Groups["type"].Value, priority, new GeoPoint(latitude, longitude), entry.At, null, HistoricalOutcome.Open);
    }

    private sealed record Payload(string? Text);

    // "{type} reported by {source}, priority {priority}, at ({lat}, {lon}): {description}", as the incident grain writes it.
    [GeneratedRegex(@"^(?<type>.+?) reported by (Call|Operator|Camera|Sensor), priority (?<priority>[A-Za-z]+), at \((?<lat>-?\d+(\.\d+)?), (?<lon>-?\d+(\.\d+)?)\)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex CreatedText();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} created incidents in the journal could not be read for the early-warning history")]
    private static partial void LogUnreadable(ILogger logger, int count);
}
