using Dispatch.Domain.Eta;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Ranking;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.Roads.RoadNetworks;

namespace Dispatch.Domain.Tests.Roads;

public sealed class RoadRankingTests
{
    [Fact]
    public void Ranker_with_road_etas_picks_the_unit_on_the_same_bank_that_straight_line_ranks_second()
    {
        var graph = Graph(
            Road(RoadClass.Secondary, (0, -50), (200, -50), (1000, -50), (2000, -50)),
            Road(RoadClass.Secondary, (0, 150), (200, 150), (2000, 150)),
            Road(RoadClass.Secondary, (2000, -50), (2000, 150)));
        var tier = ResponsePlan.Default.Tiers[1];
        Candidate[] candidates =
        [
            new("U-across", UnitKind.Car, At(200, 150), null),
            new("U-same-bank", UnitKind.Car, At(1000, -50), null),
        ];

        var straight = CandidateRanker.RankForTier(tier, 1, At(200, -50), candidates, new StraightLineEtaEstimator());
        var road = CandidateRanker.RankForTier(tier, 1, At(200, -50), candidates, new RoadEtaEstimator(graph));

        Assert.Equal("U-across", straight.Picks[0].UnitId);
        Assert.Equal("U-same-bank", road.Picks[0].UnitId);
    }
}
