using System.Globalization;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Coverage;

/// <summary>An idle unit that may be moved to restore coverage.</summary>
public sealed record MoveUpCandidate(string UnitId, UnitKind Kind, GeoPoint Position);

/// <summary>A place a unit may stand by at: usually a station.</summary>
public sealed record MoveUpPost(string Id, GeoPoint Position, string? GridId);

/// <summary>A recommended move: which unit, to which post, the grids it restores and the recorded reason.</summary>
public sealed record MoveUp(string UnitId, UnitKind Kind, GeoPoint From, string PostId, GeoPoint To, IReadOnlyList<string> GridsRestored, string Reason);

/// <summary>
/// Greedy move-up recommendations: repeatedly the idle unit whose move to a post covers the most
/// grids that are uncovered at the tier, among moves that uncover no grid that is covered now (a
/// unit never leaves its own area uncovered to fill another). Pure: the same inputs give the same moves.
/// </summary>
public static class MoveUpPlanner
{
    /// <param name="map">Sample points of the city's grids on the road graph.</param>
    /// <param name="idleUnits">Units that may be moved; they cover from where they stand unless moved.</param>
    /// <param name="fixedSources">Everything else that covers and will not move (station responders, other available units).</param>
    /// <param name="posts">Where units may be sent; only posts inside an uncovered grid (or without a grid) are considered.</param>
    /// <param name="tierSeconds">The target to restore; 3 minutes by default.</param>
    /// <param name="maxMoves">At most this many moves.</param>
    public static IReadOnlyList<MoveUp> Recommend(
        CoverageMap map,
        IReadOnlyList<MoveUpCandidate> idleUnits,
        IReadOnlyList<CoverageSource> fixedSources,
        IReadOnlyList<MoveUpPost> posts,
        double tierSeconds = 180,
        int maxMoves = 3)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(idleUnits);
        ArgumentNullException.ThrowIfNull(fixedSources);
        ArgumentNullException.ThrowIfNull(posts);
        ArgumentOutOfRangeException.ThrowIfNegative(maxMoves);

        var gridCount = map.Grids.Count;
        var samplesPerGrid = new int[gridCount];
        foreach (var g in map.SampleGrid)
        {
            samplesPerGrid[g]++;
        }

        // How many sources reach each sample, and how many reached samples each grid has.
        var reachCount = new int[map.SampleCount];
        var reachedPerGrid = new int[gridCount];
        void Add(IReadOnlyList<int> reach, int delta)
        {
            foreach (var s in reach)
            {
                var before = reachCount[s];
                reachCount[s] += delta;
                if (before == 0 && reachCount[s] > 0)
                {
                    reachedPerGrid[map.SampleGrid[s]]++;
                }
                else if (before > 0 && reachCount[s] == 0)
                {
                    reachedPerGrid[map.SampleGrid[s]]--;
                }
            }
        }

        foreach (var source in fixedSources)
        {
            Add(map.Reach(source.Position, source.Kind, tierSeconds), +1);
        }

        var units = idleUnits.OrderBy(u => u.UnitId, StringComparer.Ordinal).ToList();
        var unitReach = units.Select(u => map.Reach(u.Position, u.Kind, tierSeconds)).ToList();
        foreach (var reach in unitReach)
        {
            Add(reach, +1);
        }

        bool Covered(int grid, int reached) => samplesPerGrid[grid] > 0 && (double)reached / samplesPerGrid[grid] >= map.Options.GridCoveredShare;

        var gridIndex = Enumerable.Range(0, gridCount).ToDictionary(g => map.Grids[g].Id, StringComparer.Ordinal);
        var moves = new List<MoveUp>();
        var inPost = new bool[map.SampleCount];
        var delta = new int[gridCount];
        var touched = new List<int>();
        while (moves.Count < maxMoves)
        {
            (int Unit, MoveUpPost Post, IReadOnlyList<int> Reach, List<int> Restored, double Meters)? best = null;
            foreach (var post in posts.OrderBy(p => p.Id, StringComparer.Ordinal))
            {
                if (post.GridId is { } postGrid && gridIndex.TryGetValue(postGrid, out var pg) && Covered(pg, reachedPerGrid[pg]))
                {
                    continue; // nothing to restore there
                }

                for (var u = 0; u < units.Count; u++)
                {
                    var postReach = map.Reach(post.Position, units[u].Kind, tierSeconds);
                    Array.ForEach(touched.ToArray(), g => delta[g] = 0);
                    touched.Clear();
                    foreach (var s in postReach)
                    {
                        inPost[s] = true;
                        if (reachCount[s] == 0)
                        {
                            Touch(map.SampleGrid[s], +1);
                        }
                    }

                    foreach (var s in unitReach[u])
                    {
                        if (reachCount[s] == 1 && !inPost[s])
                        {
                            Touch(map.SampleGrid[s], -1);
                        }
                    }

                    foreach (var s in postReach)
                    {
                        inPost[s] = false;
                    }

                    var restored = new List<int>();
                    var uncovers = false;
                    foreach (var g in touched)
                    {
                        var now = Covered(g, reachedPerGrid[g]);
                        var after = Covered(g, reachedPerGrid[g] + delta[g]);
                        uncovers |= now && !after;
                        if (!now && after)
                        {
                            restored.Add(g);
                        }
                    }

                    if (uncovers || restored.Count == 0)
                    {
                        continue;
                    }

                    var meters = ApproximateMeters(units[u].Position, post.Position);
                    if (best is null || restored.Count > best.Value.Restored.Count
                        || (restored.Count == best.Value.Restored.Count && meters < best.Value.Meters))
                    {
                        best = (u, post, postReach, restored, meters);
                    }
                }
            }

            if (best is not { } move)
            {
                break;
            }

            var unit = units[move.Unit];
            Add(unitReach[move.Unit], -1);
            Add(move.Reach, +1);
            var restoredIds = move.Restored.Select(g => map.Grids[g].Id).Order(StringComparer.Ordinal).ToArray();
            moves.Add(new MoveUp(unit.UnitId, unit.Kind, unit.Position, move.Post.Id, move.Post.Position, restoredIds, string.Create(
                CultureInfo.InvariantCulture,
                $"move {unit.UnitId} ({unit.Kind.ToString().ToLowerInvariant()}) {move.Meters:F0} m to {move.Post.Id}: restores {CoverageMap.Format(tierSeconds)} s coverage of {string.Join(", ", restoredIds)} without uncovering any grid")));

            // A unit moves at most once per recommendation.
            units.RemoveAt(move.Unit);
            unitReach.RemoveAt(move.Unit);
        }

        return moves;

        void Touch(int grid, int change)
        {
            if (delta[grid] == 0 && !touched.Contains(grid))
            {
                touched.Add(grid);
            }

            delta[grid] += change;
        }
    }

    /// <summary>Equirectangular distance; only used to prefer the shorter of two equally good moves.</summary>
    private static double ApproximateMeters(GeoPoint a, GeoPoint b)
    {
        var dy = (a.Latitude - b.Latitude) * 111_195;
        var dx = (a.Longitude - b.Longitude) * 111_195 * Math.Cos(a.Latitude * Math.PI / 180);
        return Math.Sqrt((dx * dx) + (dy * dy));
    }
}
