using Dispatch.Vision.Geometry;

namespace Dispatch.Vision.Tests;

public sealed class GeometryTests
{
    private static readonly Zone Triangle = new("t", [new(0, 0), new(1, 0), new(0, 1)]);

    [Theory]
    [InlineData(0.2, 0.2, true)]
    [InlineData(0.8, 0.8, false)]
    [InlineData(1.5, 0.1, false)]
    public void Zone_contains_only_points_inside_its_polygon(double x, double y, bool inside) =>
        Assert.Equal(inside, Triangle.Contains(new NormalizedPoint(x, y)));

    [Fact]
    public void Zone_with_fewer_than_three_corners_is_refused_naming_the_zone()
    {
        var error = Assert.Throws<ArgumentException>(() => new Zone("gate-area", [new(0, 0), new(1, 1)]));
        Assert.Contains("gate-area", error.Message);
    }

    [Fact]
    public void Right_hand_side_of_a_line_looking_from_its_start_has_positive_distance()
    {
        var southward = new DirectedLine("l", new(0.5, 0), new(0.5, 1));

        // Facing down the image (y grows downwards), the right hand points to smaller x.
        Assert.True(southward.SignedDistance(new(0.3, 0.5)) > 0);
        Assert.True(southward.SignedDistance(new(0.7, 0.5)) < 0);
    }

    [Fact]
    public void Segment_passing_beyond_the_end_of_a_line_does_not_cross_it()
    {
        var line = new DirectedLine("l", new(0.5, 0.4), new(0.5, 0.6));

        Assert.True(line.SegmentCrosses(new(0.4, 0.5), new(0.6, 0.5)));
        Assert.False(line.SegmentCrosses(new(0.4, 0.9), new(0.6, 0.9)));
    }
}

public sealed class MotionRegionTests
{
    [Fact]
    public void Blobs_within_the_gap_are_joined_and_distant_ones_kept_apart()
    {
        var head = new OpenCvSharp.Rect(100, 50, 10, 10);
        var body = new OpenCvSharp.Rect(98, 62, 14, 30);
        var other = new OpenCvSharp.Rect(200, 60, 12, 30);

        var joined = Detection.MotionGate.Join([head, body, other], gapPx: 3);

        Assert.Equal(2, joined.Count);
        Assert.Contains(new OpenCvSharp.Rect(98, 50, 14, 42), joined);
        Assert.Contains(other, joined);
    }
}
