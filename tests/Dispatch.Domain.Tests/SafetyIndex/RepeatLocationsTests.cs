using Dispatch.Domain.Geo;
using Dispatch.Domain.SafetyIndex;

namespace Dispatch.Domain.Tests.SafetyIndex;

public sealed class RepeatLocationsTests
{
    private static readonly GeoPoint At = new(36.66, 117.0);

    [Fact]
    public void Reports_with_enough_others_close_by_are_repeats_and_the_rest_are_not()
    {
        GeoPoint[] points =
        [
            At, GreatCircle.Offset(At, 60, 0), GreatCircle.Offset(At, 0, 60),   // three within ~85 m of each other
            GreatCircle.Offset(At, 0, 150),                                      // 90 m from the third only
            GreatCircle.Offset(At, 5000, 5000),
        ];

        var flags = RepeatLocations.Find(points, radiusMeters: 100, minOthers: 2);

        Assert.Equal([true, true, true, false, false], flags);
    }

    [Fact]
    public void Neighbours_across_a_cell_border_are_found()
    {
        // The cell grid is the radius's size: points a few metres apart straddle cell borders somewhere in a line of them.
        var points = Enumerable.Range(0, 40).Select(i => GreatCircle.Offset(At, 0, i * 7.0)).ToList();

        var flags = RepeatLocations.Find(points, radiusMeters: 10, minOthers: 2);

        Assert.Equal([false, .. Enumerable.Repeat(true, 38), false], flags);
    }
}
