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
    /// Unreachable candidates (infinite ETA) are never picked.
    /// </summary>
    public static TierRecommendation RankForTier(
        ResponseTier tier,
        int requested,
        GeoPoint incident,
        IReadOnlyList<Candidate> candidates,
        IEtaEstimator eta,
        IReadOnlySet<string>? excluded = null) => throw new NotImplementedException();
}
