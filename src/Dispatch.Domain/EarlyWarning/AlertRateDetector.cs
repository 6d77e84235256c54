using System.Globalization;

namespace Dispatch.Domain.EarlyWarning;

/// <summary>Settings of <see cref="AlertRateDetector"/>.</summary>
public sealed class AlertRateOptions
{
    /// <summary>The recent window whose count is tested.</summary>
    public double RecentMinutes { get; set; } = 30;

    /// <summary>How far back a source's own baseline reaches.</summary>
    public double BaselineDays { get; set; } = 7;

    /// <summary>The rate assumed for a source before it has history (a prior worth <see cref="PriorDays"/> of history).</summary>
    public double PriorAlertsPerDay { get; set; } = 4;

    /// <summary>How many days of history the assumed rate is worth; a source's own history outweighs it within days.</summary>
    public double PriorDays { get; set; } = 0.25;

    /// <summary>A warning needs at least this many alerts in the recent window, however quiet the source was.</summary>
    public int MinAlerts { get; set; } = 4;

    /// <summary>
    /// A warning needs the recent count to be this improbable under the source's own baseline. It is per source and
    /// per check (one check per alert), so it is small: a city has tens of thousands of cameras.
    /// </summary>
    public double MaxPValue { get; set; } = 1e-6;

    /// <summary>Sources silent this long are forgotten (their baseline with them).</summary>
    public double ForgetAfterDays { get; set; } = 14;

    public TimeSpan Recent => TimeSpan.FromMinutes(RecentMinutes);

    public IReadOnlyList<string> Validate(string prefix = "")
    {
        var errors = new List<string>();
        void Check(bool ok, string key, string rule, double value)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}{key} {rule}, got {value}"));
            }
        }

        Check(double.IsFinite(RecentMinutes) && RecentMinutes is >= 1 and <= 24 * 60, nameof(RecentMinutes), "must be within 1..1440", RecentMinutes);
        Check(double.IsFinite(BaselineDays) && BaselineDays is >= 1 and <= 90, nameof(BaselineDays), "must be within 1..90", BaselineDays);
        Check(double.IsFinite(PriorAlertsPerDay) && PriorAlertsPerDay is > 0 and <= 100_000, nameof(PriorAlertsPerDay), "must be within (0, 100000]", PriorAlertsPerDay);
        Check(double.IsFinite(PriorDays) && PriorDays is > 0 and <= 90, nameof(PriorDays), "must be within (0, 90]", PriorDays);
        Check(MinAlerts is >= 1 and <= 10_000, nameof(MinAlerts), "must be within 1..10000", MinAlerts);
        Check(MaxPValue is > 0 and < 0.5, nameof(MaxPValue), "must be within (0, 0.5)", MaxPValue);
        Check(double.IsFinite(ForgetAfterDays) && ForgetAfterDays >= BaselineDays, nameof(ForgetAfterDays), "must be >= BaselineDays", ForgetAfterDays);
        return errors;
    }
}

/// <summary>
/// A source alerting far above its own baseline: <see cref="RecentAlerts"/> in the last window where
/// <see cref="ExpectedAlerts"/> were expected; <see cref="PValue"/> is the chance of at least that many under the
/// baseline (negative binomial: the Gamma–Poisson predictive count).
/// </summary>
public sealed record AlertRateWarning(
    string SourceId,
    int RecentAlerts,
    double WindowMinutes,
    double ExpectedAlerts,
    double BaselinePerDay,
    double PValue,
    DateTimeOffset RaisedAt,
    DateTimeOffset LastAlertAt)
{
    /// <summary>How many times the usual rate the source alerts at now.</summary>
    public double RateRatio => ExpectedAlerts > 0 ? Math.Round(RecentAlerts / ExpectedAlerts, 1) : double.PositiveInfinity;
}

/// <summary>
/// Rising alert rates per source (a camera, or a group of sensors) against the source's own baseline, before anything
/// becomes an incident. Each source's alerts are counted per hour over <see cref="AlertRateOptions.BaselineDays"/>;
/// its baseline rate is a Gamma–Poisson estimate (its own count plus a prior worth <see cref="AlertRateOptions.PriorDays"/>
/// of <see cref="AlertRateOptions.PriorAlertsPerDay"/>, over its observed hours plus the prior's), so a new camera does
/// not warn on its first few alerts and a chatty one is judged against its own chatter. A warning holds while the
/// count in the recent window is at least <see cref="AlertRateOptions.MinAlerts"/> and its upper-tail probability under
/// the predictive count (negative binomial, which carries the baseline's own uncertainty) is at most
/// <see cref="AlertRateOptions.MaxPValue"/>. Not thread-safe: one owner calls it.
/// </summary>
public sealed class AlertRateDetector
{
    private readonly AlertRateOptions _options;
    private readonly Dictionary<string, Source> _sources = new(StringComparer.Ordinal);

    public AlertRateDetector(AlertRateOptions? options = null)
    {
        _options = options ?? new AlertRateOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }
    }

    public int SourceCount => _sources.Count;

    /// <summary>Counts one alert of <paramref name="sourceId"/> at <paramref name="at"/>; returns the source's warning if it now has one.</summary>
    public AlertRateWarning? Observe(string sourceId, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceId);
        if (!_sources.TryGetValue(sourceId, out var source))
        {
            source = new Source(at);
            _sources[sourceId] = source;
        }

        source.Add(at);
        return Evaluate(sourceId, source, at);
    }

    /// <summary>Every source with a warning at <paramref name="now"/>, strongest first; forgets long-silent sources.</summary>
    public IReadOnlyList<AlertRateWarning> Warnings(DateTimeOffset now)
    {
        var forget = TimeSpan.FromDays(_options.ForgetAfterDays);
        foreach (var (id, source) in _sources.Where(s => now - s.Value.LastAt > forget).ToList())
        {
            _sources.Remove(id);
        }

        return [.. _sources
            .Select(s => Evaluate(s.Key, s.Value, now))
            .OfType<AlertRateWarning>()
            .OrderBy(w => w.PValue)
            .ThenBy(w => w.SourceId, StringComparer.Ordinal)];
    }

    private AlertRateWarning? Evaluate(string sourceId, Source source, DateTimeOffset now)
    {
        var window = _options.Recent;
        source.Trim(now, window, _options);
        var recent = source.RecentCount;

        // The baseline: whole hours before the recent window, back to BaselineDays or the source's first alert.
        var baselineEnd = HourIndex(now - window);
        var baselineStart = Math.Max(HourIndex(now - TimeSpan.FromDays(_options.BaselineDays)), HourIndex(source.FirstAt));
        var baselineHours = Math.Max(0, baselineEnd - baselineStart);
        var baselineCount = source.CountHours(baselineStart, baselineEnd);
        var priorHours = _options.PriorDays * 24;

        // Gamma posterior of the rate, then the count in the window is negative binomial: a short or quiet history is
        // uncertain, and that uncertainty widens the tail instead of raising false warnings.
        var shape = baselineCount + (_options.PriorAlertsPerDay * _options.PriorDays);
        var exposureHours = baselineHours + priorHours;
        var ratePerHour = shape / exposureHours;
        var expected = ratePerHour * window.TotalHours;
        // Checks run when an alert arrives, so the window always holds that one: only the others are chance.
        var p = Tails.NegativeBinomialAtLeast(recent - 1, shape, exposureHours / (exposureHours + window.TotalHours));
        if (recent < _options.MinAlerts || p > _options.MaxPValue)
        {
            source.RaisedAt = null;
            return null;
        }

        source.RaisedAt ??= now;
        return new AlertRateWarning(sourceId, recent, _options.RecentMinutes, Math.Round(expected, 3), Math.Round(ratePerHour * 24, 2), p, source.RaisedAt.Value, source.LastAt);
    }

    private static long HourIndex(DateTimeOffset at) => at.UtcTicks / TimeSpan.TicksPerHour;

    private sealed class Source(DateTimeOffset firstAt)
    {
        private readonly Queue<DateTimeOffset> _recent = new();
        private readonly Dictionary<long, int> _hours = [];

        public DateTimeOffset FirstAt { get; } = firstAt;

        public DateTimeOffset LastAt { get; private set; } = firstAt;

        public DateTimeOffset? RaisedAt { get; set; }

        public int RecentCount => _recent.Count;

        public void Add(DateTimeOffset at)
        {
            _recent.Enqueue(at);
            _hours[HourIndex(at)] = _hours.GetValueOrDefault(HourIndex(at)) + 1;
            if (at > LastAt)
            {
                LastAt = at;
            }
        }

        public void Trim(DateTimeOffset now, TimeSpan window, AlertRateOptions options)
        {
            while (_recent.Count > 0 && now - _recent.Peek() > window)
            {
                _recent.Dequeue();
            }

            var oldest = HourIndex(now - TimeSpan.FromDays(options.BaselineDays)) - 1;
            foreach (var hour in _hours.Keys.Where(h => h < oldest).ToList())
            {
                _hours.Remove(hour);
            }
        }

        public int CountHours(long fromInclusive, long untilExclusive) =>
            _hours.Where(h => h.Key >= fromInclusive && h.Key < untilExclusive).Sum(h => h.Value);
    }
}
