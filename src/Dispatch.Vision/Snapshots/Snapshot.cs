using System.Globalization;
using Dispatch.Vision.Geometry;
using OpenCvSharp;

namespace Dispatch.Vision.Snapshots;

/// <summary>Why a snapshot was refused.</summary>
public enum SnapshotRefusal
{
    None,
    TooLarge,
    NotDecodableJpeg,
}

/// <summary>The outcome of checking a snapshot: its size in pixels, or why it was refused.</summary>
public sealed record SnapshotCheck(SnapshotRefusal Refusal, int Width, int Height, string Message)
{
    public bool Accepted => Refusal == SnapshotRefusal.None;
}

/// <summary>JPEG snapshots: validation of what gateways send, thumbnails and annotated copies for operators.</summary>
public static class Snapshot
{
    /// <summary>The largest snapshot accepted on the wire (1 MiB).</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly Scalar BoxColour = new(0, 0, 255);

    /// <summary>Zones and lines in yellow (BGR), so they never read as a detection.</summary>
    public static readonly Scalar RuleColour = new(0, 220, 255);
    private static readonly Scalar LabelText = new(255, 255, 255);

    /// <summary>Checks size, JPEG signature and that the image really decodes.</summary>
    public static SnapshotCheck Validate(ReadOnlySpan<byte> jpeg, int maxBytes = MaxBytes)
    {
        if (jpeg.Length > maxBytes)
        {
            return new(SnapshotRefusal.TooLarge, 0, 0, $"snapshot is {jpeg.Length} bytes, the limit is {maxBytes}");
        }

        // SOI marker: OpenCV would happily decode a PNG too, and the contract says JPEG.
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 || jpeg[2] != 0xFF)
        {
            return new(SnapshotRefusal.NotDecodableJpeg, 0, 0, $"snapshot of {jpeg.Length} bytes does not start with a JPEG marker");
        }

        using var image = Decode(jpeg);
        if (image.Empty())
        {
            return new(SnapshotRefusal.NotDecodableJpeg, 0, 0, $"snapshot of {jpeg.Length} bytes does not decode as JPEG");
        }

        return new(SnapshotRefusal.None, image.Width, image.Height, string.Empty);
    }

    /// <summary>Encodes a BGR frame as JPEG.</summary>
    public static byte[] Encode(Mat bgrFrame, int quality = 80)
    {
        Cv2.ImEncode(".jpg", bgrFrame, out var bytes, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
        return bytes;
    }

    /// <summary>A smaller copy, <paramref name="widthPx"/> wide with the aspect ratio kept; never enlarged.</summary>
    public static byte[] Thumbnail(ReadOnlySpan<byte> jpeg, int widthPx = 320, int quality = 75)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(widthPx, 1);
        using var image = DecodeOrThrow(jpeg);
        if (image.Width <= widthPx)
        {
            return Encode(image, quality);
        }

        var heightPx = Math.Max(1, (int)Math.Round((double)image.Height * widthPx / image.Width));
        using var small = new Mat();
        Cv2.Resize(image, small, new Size(widthPx, heightPx), interpolation: InterpolationFlags.Area);
        return Encode(small, quality);
    }

    /// <summary>A copy with each box outlined and labelled with its label and score.</summary>
    public static byte[] WithBoxes(ReadOnlySpan<byte> jpeg, IEnumerable<NormalizedBox> boxes, int quality = 85) =>
        Annotated(jpeg, boxes, [], quality);

    /// <summary>
    /// A copy with the rule's zones and lines drawn under the boxes: what an operator needs to judge an alert is
    /// both who was seen and what they entered or crossed.
    /// </summary>
    public static byte[] Annotated(ReadOnlySpan<byte> jpeg, IEnumerable<NormalizedBox> boxes, IEnumerable<RuleOutline> outlines, int quality = 85)
    {
        using var image = DecodeOrThrow(jpeg);
        Draw(image, outlines);
        Draw(image, boxes);
        return Encode(image, quality);
    }

    /// <summary>Draws zones (closed) and lines (with a dot at their first end) onto a frame in place, each named.</summary>
    public static void Draw(Mat image, IEnumerable<RuleOutline> outlines)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(outlines);
        var thickness = Math.Max(2, image.Width / 320);
        foreach (var outline in outlines)
        {
            if (outline.Points.Count < 2)
            {
                continue;
            }

            var points = outline.Points.Select(p => new Point(
                (int)Math.Round(Math.Clamp(p.X, 0, 1) * (image.Width - 1)),
                (int)Math.Round(Math.Clamp(p.Y, 0, 1) * (image.Height - 1)))).ToArray();
            Cv2.Polylines(image, [points], outline.Closed, RuleColour, thickness, LineTypes.AntiAlias);
            if (!outline.Closed)
            {
                // The first end marks the line's direction, which "left_to_right" and "right_to_left" refer to.
                Cv2.Circle(image, points[0], thickness * 2, RuleColour, -1, LineTypes.AntiAlias);
            }

            if (outline.Name.Length > 0)
            {
                var anchor = points.MinBy(p => p.Y);
                Cv2.PutText(image, outline.Name, new Point(Math.Min(anchor.X + 4, image.Width - 8), Math.Max(anchor.Y - 4, 10)),
                    HersheyFonts.HersheySimplex, 0.4 * (thickness / 2.0), RuleColour, Math.Max(1, thickness / 2));
            }
        }
    }

    /// <summary>Draws boxes onto a frame in place.</summary>
    public static void Draw(Mat image, IEnumerable<NormalizedBox> boxes)
    {
        var thickness = Math.Max(1, image.Width / 320);
        foreach (var box in boxes)
        {
            var b = box.ClampToFrame();
            var rect = new Rect(
                (int)Math.Round(b.X * image.Width),
                (int)Math.Round(b.Y * image.Height),
                Math.Max(1, (int)Math.Round(b.Width * image.Width)),
                Math.Max(1, (int)Math.Round(b.Height * image.Height)));
            Cv2.Rectangle(image, rect, BoxColour, thickness);
            var caption = string.Create(CultureInfo.InvariantCulture, $"{b.Label} {b.Score:F2}");
            var textSize = Cv2.GetTextSize(caption, HersheyFonts.HersheySimplex, 0.4 * thickness, thickness, out var baseline);
            var top = Math.Max(0, rect.Y - textSize.Height - baseline - 2);
            Cv2.Rectangle(image, new Rect(rect.X, top, textSize.Width + 4, textSize.Height + baseline + 2), BoxColour, -1);
            Cv2.PutText(image, caption, new Point(rect.X + 2, top + textSize.Height + 1), HersheyFonts.HersheySimplex, 0.4 * thickness, LabelText, thickness);
        }
    }

    private static Mat Decode(ReadOnlySpan<byte> jpeg) => Cv2.ImDecode(jpeg, ImreadModes.Color);

    private static Mat DecodeOrThrow(ReadOnlySpan<byte> jpeg)
    {
        var image = Decode(jpeg);
        if (image.Empty())
        {
            image.Dispose();
            throw new ArgumentException($"snapshot of {jpeg.Length} bytes does not decode as an image", nameof(jpeg));
        }

        return image;
    }
}
