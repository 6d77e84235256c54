using System.Globalization;
using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Ranking;

/// <summary>A unit that may be sent: available now, at a known position.</summary>
public sealed record Candidate(string UnitId, UnitKind Kind, GeoPoint Position, string? HomeStationId);

/// <summary>One recommended unit with its ETA and the recorded reason for the pick.</summary>
public sealed record RankedPick(string UnitId, double EtaSeconds, bool WithinTarget, string Reason);

/// <summary>
/// What a tier should send: the picks, fastest first, and a recorded reason for every shortfall
/// (e.g. "no unit within 180 s; fastest is 212 s"). A tier is at risk when a pick cannot make the
/// target or fewer units were found than requested.
/// </summary>
public sealed record TierRecommendation(
    string TierName,
    TimeSpan Target,
    int Requested,
    IReadOnlyList<RankedPick> Picks,
    IReadOnlyList<string> Shortfalls)
{
    public bool AtRisk => Picks.Count < Requested || Picks.Any(p => !p.WithinTarget);
}

/// <summary>Ranks candidates for a tier by ETA. Pure: the same inputs give the same picks.</summary>
public static class CandidateRanker
{
    /// <summary>
    /// Picks up to <paramref name="requested"/> candidates for <paramref name="tier"/>, fastest first (ties by unit id),
    /// skipping <paramref name="excluded"/> units. Units inside the target come first; where fewer can make it,
    /// the fastest of the rest are sent anyway and the tier is at risk with the reason recorded.
    /// Unreachable candidates (infinite ETA) are never picked. A unit listed twice is ranked once, at its faster ETA.
    /// </summary>
    public static TierRecommendation RankForTier(
        ResponseTier tier,
        int requested,
        GeoPoint incident,
        IReadOnlyList<Candidate> candidates,
        IEtaEstimator eta,
        IReadOnlySet<string>? excluded = null)
    {
        ArgumentNullException.ThrowIfNull(tier);
        ArgumentOutOfRangeException.ThrowIfNegative(requested);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(eta);

        if (requested == 0)
        {
            return new TierRecommendation(tier.Name, tier.Target, 0, [], []);
        }

        var eligible = candidates.Where(c => excluded is null || !excluded.Contains(c.UnitId)).ToArray();
        var ranked = Rank(incident, eligible, eta);

        var targetSeconds = tier.Target.TotalSeconds;
        var picks = new List<RankedPick>(Math.Min(requested, ranked.Count));
        for (var i = 0; i < ranked.Count && picks.Count < requested; i++)
        {
            var (candidate, etaSeconds) = ranked[i];
            var withinTarget = etaSeconds <= targetSeconds;
            picks.Add(new RankedPick(
                candidate.UnitId,
                etaSeconds,
                withinTarget,
                PickReason(candidate, etaSeconds, withinTarget, targetSeconds, rank: i + 1, rankedCount: ranked.Count)));
        }

        return new TierRecommendation(tier.Name, tier.Target, requested, picks, Shortfalls(requested, ranked, picks, targetSeconds));
    }

    /// <summary>Reachable candidates by ETA then unit id, each unit once; one estimator call for all of them.</summary>
    private static List<(Candidate Candidate, double EtaSeconds)> Rank(GeoPoint incident, Candidate[] eligible, IEtaEstimator eta)
    {
        if (eligible.Length == 0)
        {
            return [];
        }

        var origins = new EtaOrigin[eligible.Length];
        for (var i = 0; i < eligible.Length; i++)
        {
            origins[i] = new EtaOrigin(eligible[i].Position, eligible[i].Kind);
        }

        var etaSeconds = new double[eligible.Length];
        eta.EstimateTo(incident, origins, etaSeconds);

        return eligible
            .Select((candidate, i) => (Candidate: candidate, EtaSeconds: etaSeconds[i]))
            .Where(r => double.IsFinite(r.EtaSeconds)) // NaN and infinity both mean "cannot get there"
            .OrderBy(r => r.EtaSeconds)
            .ThenBy(r => r.Candidate.UnitId, StringComparer.Ordinal)
            .DistinctBy(r => r.Candidate.UnitId, StringComparer.Ordinal)
            .ToList();
    }

    private static string PickReason(
        Candidate candidate, double etaSeconds, bool withinTarget, double targetSeconds, int rank, int rankedCount)
    {
        var kind = candidate.Kind.ToString().ToLowerInvariant();
        var verdict = withinTarget
            ? $"within {Seconds(targetSeconds)} s target"
            : $"exceeds {Seconds(targetSeconds)} s target, sent as fastest available";
        return Invariant($"{candidate.UnitId} {kind}: ETA {Seconds(etaSeconds)} s {verdict} (rank {rank} of {rankedCount})");
    }

    private static List<string> Shortfalls(
        int requested, List<(Candidate Candidate, double EtaSeconds)> ranked, List<RankedPick> picks, double targetSeconds)
    {
        var shortfalls = new List<string>();
        if (ranked.Count == 0)
        {
            shortfalls.Add("no available unit reachable");
            return shortfalls;
        }

        var withinCount = picks.Count(p => p.WithinTarget);
        if (withinCount == 0)
        {
            var fastest = ranked[0];
            shortfalls.Add(Invariant(
                $"no unit within {Seconds(targetSeconds)} s; fastest is {Seconds(fastest.EtaSeconds)} s ({fastest.Candidate.UnitId})"));
        }
        else if (withinCount < picks.Count)
        {
            // Some picks are late; when every pick is on time the only shortfall is the count below.
            shortfalls.Add(Invariant($"only {withinCount} of {requested} units within {Seconds(targetSeconds)} s"));
        }

        if (ranked.Count < requested)
        {
            var noun = ranked.Count == 1 ? "candidate" : "candidates";
            shortfalls.Add(Invariant($"only {ranked.Count} {noun} for {requested} requested"));
        }

        return shortfalls;
    }

    private static string Seconds(double seconds) =>
        Math.Round(seconds, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
