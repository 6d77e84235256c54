using Dispatch.Contracts;
using Dispatch.Contracts.V1;
using Dispatch.Vision.Analytics;
using Dispatch.Vision.Snapshots;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using OpenCvSharp;

namespace Dispatch.Gateway.Cameras;

/// <summary>Turns an analytics event and its frame into a wire alert with a fresh idempotency key.</summary>
public static class AlertComposer
{
    public static Alert Compose(string cameraId, AnalyticsEvent analyticsEvent, Mat frame, DateTime observedAtUtc, string detector)
    {
        var alert = new Alert
        {
            // Time-ordered and unique for all time: the key the service de-duplicates on.
            AlertId = Guid.CreateVersion7().ToString("N"),
            CameraId = cameraId,
            Kind = Map(analyticsEvent.Kind),
            Confidence = (float)Math.Clamp(analyticsEvent.Confidence, 0, 1),
            ObservedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(observedAtUtc, DateTimeKind.Utc)),
            SnapshotJpeg = ByteString.CopyFrom(SnapshotOf(frame)),
        };
        foreach (var box in analyticsEvent.Boxes)
        {
            var b = box.ClampToFrame();
            alert.Boxes.Add(new BoundingBox
            {
                X = (float)b.X,
                Y = (float)b.Y,
                Width = (float)b.Width,
                Height = (float)b.Height,
                Label = b.Label,
                Score = (float)b.Score,
            });
        }

        foreach (var outline in analyticsEvent.Outlines.Take(AlertLimits.MaxRuleShapes))
        {
            var shape = new RuleShape
            {
                Name = outline.Name.Length <= AlertLimits.MaxRuleShapeNameLength ? outline.Name : outline.Name[..AlertLimits.MaxRuleShapeNameLength],
                Closed = outline.Closed,
            };
            shape.Points.AddRange(outline.Points.Take(AlertLimits.MaxZoneCorners).Select(p => new ImagePoint
            {
                X = (float)Math.Clamp(p.X, 0, 1),
                Y = (float)Math.Clamp(p.Y, 0, 1),
            }));
            alert.RuleShapes.Add(shape);
        }

        foreach (var (key, value) in analyticsEvent.Attributes)
        {
            alert.Attributes[key] = value;
        }

        alert.Attributes["detector"] = detector;
        return alert;
    }

    public static AlertKind Map(AnalyticsEventKind kind) => kind switch
    {
        AnalyticsEventKind.Intrusion => AlertKind.Intrusion,
        AnalyticsEventKind.LineCrossing => AlertKind.LineCrossing,
        AnalyticsEventKind.Loitering => AlertKind.Loitering,
        AnalyticsEventKind.Crowd => AlertKind.Crowd,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no alert kind for this analytics event"),
    };

    private static byte[] SnapshotOf(Mat frame)
    {
        // Lower the quality, then the size, until the frame fits the contract's limit.
        foreach (var quality in new[] { 80, 60, 40 })
        {
            var jpeg = Snapshot.Encode(frame, quality);
            if (jpeg.Length <= AlertLimits.MaxSnapshotBytes)
            {
                return jpeg;
            }
        }

        return Snapshot.Thumbnail(Snapshot.Encode(frame, 40), 1280, 50);
    }
}
