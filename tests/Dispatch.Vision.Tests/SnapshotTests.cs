using Dispatch.Vision.Geometry;
using Dispatch.Vision.Snapshots;
using Dispatch.Vision.Synthetic;
using OpenCvSharp;

namespace Dispatch.Vision.Tests;

public sealed class SnapshotTests
{
    private static byte[] SceneJpeg(int width = 640, int height = 360)
    {
        using var scene = new SyntheticScene(width, height, seed: 31, [SceneRuns.WalkAcross(0.4, 0.6, seconds: 2)]);
        using var frame = new Mat();
        scene.Render(TimeSpan.FromSeconds(2), frame);
        return Snapshot.Encode(frame);
    }

    [Fact]
    public void Encoded_frame_is_accepted_with_its_size()
    {
        var check = Snapshot.Validate(SceneJpeg());

        Assert.True(check.Accepted, check.Message);
        Assert.Equal((640, 360), (check.Width, check.Height));
    }

    [Fact]
    public void Png_is_refused_as_not_a_jpeg()
    {
        using var image = new Mat(32, 32, MatType.CV_8UC3, Scalar.All(90));
        Cv2.ImEncode(".png", image, out var png);

        Assert.Equal(SnapshotRefusal.NotDecodableJpeg, Snapshot.Validate(png).Refusal);
    }

    [Fact]
    public void Bytes_with_a_jpeg_marker_but_no_image_are_refused_as_not_decodable()
    {
        var jpeg = SceneJpeg();
        var garbage = jpeg.Take(3).Concat(Enumerable.Repeat((byte)0x42, 5000)).ToArray();

        var check = Snapshot.Validate(garbage);

        Assert.Equal(SnapshotRefusal.NotDecodableJpeg, check.Refusal);
        Assert.Contains("5003", check.Message);
    }

    [Fact]
    public void Snapshot_over_the_limit_is_refused_as_too_large()
    {
        var jpeg = SceneJpeg();

        Assert.Equal(SnapshotRefusal.TooLarge, Snapshot.Validate(jpeg, maxBytes: jpeg.Length - 1).Refusal);
        Assert.Equal(SnapshotRefusal.TooLarge, Snapshot.Validate(new byte[Snapshot.MaxBytes + 1]).Refusal);
    }

    [Fact]
    public void Thumbnail_is_320_wide_and_keeps_the_aspect_ratio()
    {
        var thumbnail = Snapshot.Thumbnail(SceneJpeg(1280, 720));

        var check = Snapshot.Validate(thumbnail);
        Assert.Equal((320, 180), (check.Width, check.Height));
    }

    [Fact]
    public void Thumbnail_of_a_small_image_is_not_enlarged()
    {
        var check = Snapshot.Validate(Snapshot.Thumbnail(SceneJpeg(200, 100)));

        Assert.Equal((200, 100), (check.Width, check.Height));
    }

    [Fact]
    public void Copy_with_boxes_has_red_outlines_where_the_boxes_are_and_leaves_other_pixels_alone()
    {
        var jpeg = SceneJpeg();
        var box = new NormalizedBox(0.25, 0.5, 0.25, 0.25, "person", 0.87);

        using var plain = Cv2.ImDecode(jpeg, ImreadModes.Color);
        using var boxed = Cv2.ImDecode(Snapshot.WithBoxes(jpeg, [box]), ImreadModes.Color);

        // Bottom edge of the box, away from the label: strongly red (BGR).
        var edge = boxed.At<Vec3b>(270, 200);
        Assert.True(edge.Item2 > 180 && edge.Item0 < 90 && edge.Item1 < 90, $"expected red at the box edge, got {edge}");
        var before = plain.At<Vec3b>(100, 600);
        var after = boxed.At<Vec3b>(100, 600);
        Assert.InRange(Math.Abs(before.Item2 - after.Item2), 0, 20);
    }

    [Fact]
    public void Annotated_copy_draws_the_rules_line_and_zone_in_yellow_beside_the_boxes()
    {
        var jpeg = SceneJpeg();
        var box = new NormalizedBox(0.25, 0.5, 0.25, 0.25, "person", 0.87);

        using var plain = Cv2.ImDecode(jpeg, ImreadModes.Color);
        using var drawn = Cv2.ImDecode(
            Snapshot.Annotated(jpeg, [box], [RuleOutline.Of(SceneRuns.Gate), RuleOutline.Of(SceneRuns.Yard)]), ImreadModes.Color);

        // The gate runs down x = 0.5 (column 320) from y = 0.4; the yard's left edge down x = 0.65 (column 415).
        foreach (var (row, column) in new[] { (160, 320), (300, 320), (250, 415), (330, 415) })
        {
            Assert.True(IsYellow(drawn.At<Vec3b>(row, column)), $"expected yellow at ({column}, {row}), got {drawn.At<Vec3b>(row, column)}");
            Assert.False(IsYellow(plain.At<Vec3b>(row, column)), $"the clean frame is already yellow at ({column}, {row})");
        }

        Assert.True(drawn.At<Vec3b>(270, 200).Item2 > 180, "the box is still drawn");
    }

    private static bool IsYellow(Vec3b bgr) => bgr.Item2 > 180 && bgr.Item1 > 160 && bgr.Item0 < 90;

    [Fact]
    public void Thumbnail_of_bytes_that_are_no_image_fails_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => Snapshot.Thumbnail(new byte[] { 1, 2, 3 }));

        Assert.Contains("3 bytes", error.Message);
    }
}
