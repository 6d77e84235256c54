using System.Globalization;
using Dispatch.Contracts.V1;

namespace Dispatch.Contracts;

/// <summary>The limits documented in alert.proto, in one place for the service and for gateways.</summary>
public static class AlertLimits
{
    public const int MaxSnapshotBytes = 1024 * 1024;
    public const int MaxAlertIdLength = 128;
    public const int MaxAttributes = 32;
    public const int MaxAttributeKeyLength = 64;
    public const int MaxAttributeValueLength = 256;

    /// <summary>The largest message (a GatewayMessage, or PublishAlert's Alert) the service reads, serialized.</summary>
    public const int MaxMessageBytes = 2 * 1024 * 1024;

    /// <summary>The longest gateway id, in characters.</summary>
    public const int MaxGatewayIdLength = 128;

    public const int MaxRuleShapes = 4;
    public const int MaxRuleShapeNameLength = 64;
    public const int MaxZoneCorners = 64;

    /// <summary>The Timestamp range (0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z), in seconds since the Unix epoch.</summary>
    public const long MinTimestampSeconds = -62_135_596_800;
    public const long MaxTimestampSeconds = 253_402_300_799;
}

/// <summary>A refusal: the reason code sent on the wire and a message naming the offending value.</summary>
public sealed record AlertRefusal(RejectReason Reason, string Message);

/// <summary>
/// Checks an alert's own fields (everything but camera ownership, authentication, flow control and
/// whether the snapshot decodes, which need state or a JPEG decoder).
/// </summary>
public static class AlertValidation
{
    /// <summary>Returns the first problem found, or null when the alert's fields are acceptable.</summary>
    /// <param name="maxClockSkew">How far in the future observed_at may lie (gateway clocks drift).</param>
    /// <param name="maxAge">How old observed_at may be before the alert is stale for dispatch.</param>
    public static AlertRefusal? Check(Alert alert, DateTimeOffset now, TimeSpan maxClockSkew, TimeSpan maxAge)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (string.IsNullOrWhiteSpace(alert.AlertId) || alert.AlertId.Length > AlertLimits.MaxAlertIdLength)
        {
            return new(RejectReason.MissingAlertId,
                $"alert_id must be 1 to {AlertLimits.MaxAlertIdLength} characters, got {alert.AlertId.Length}");
        }

        if (alert.Kind == AlertKind.Unspecified || !Enum.IsDefined(alert.Kind))
        {
            return new(RejectReason.UnknownKind, $"kind {(int)alert.Kind} is not a known alert kind");
        }

        if (!IsUnit(alert.Confidence))
        {
            return new(RejectReason.ConfidenceOutOfRange, $"confidence {alert.Confidence} is outside [0,1]");
        }

        if (alert.ObservedAt is null)
        {
            return new(RejectReason.ObservedTooOld, "observed_at is missing");
        }

        if (!IsValidTimestamp(alert.ObservedAt))
        {
            return new(RejectReason.ObservedAtInvalid, string.Create(CultureInfo.InvariantCulture,
                $"observed_at (seconds {alert.ObservedAt.Seconds}, nanos {alert.ObservedAt.Nanos}) is not a valid timestamp: seconds must lie in {AlertLimits.MinTimestampSeconds}..{AlertLimits.MaxTimestampSeconds} (years 1 to 9999) and nanos in 0..999999999"));
        }

        var observedAt = alert.ObservedAt.ToDateTimeOffset();
        if (observedAt > now + maxClockSkew)
        {
            return new(RejectReason.ObservedInFuture,
                $"observed_at {observedAt:O} is {(observedAt - now).TotalSeconds:F1} s ahead of the service clock {now:O}");
        }

        if (observedAt < now - maxAge)
        {
            return new(RejectReason.ObservedTooOld,
                $"observed_at {observedAt:O} is older than the maximum age of {maxAge.TotalSeconds:F0} s");
        }

        if (alert.Location is { } location && !IsValidLocation(location))
        {
            return new(RejectReason.CoordinatesOutOfRange,
                $"location ({location.Latitude}, {location.Longitude}) is outside -90..90 / -180..180");
        }

        for (var i = 0; i < alert.Boxes.Count; i++)
        {
            var box = alert.Boxes[i];
            if (!IsUnit(box.Score))
            {
                return new(RejectReason.ConfidenceOutOfRange, $"boxes[{i}].score {box.Score} is outside [0,1]");
            }

            if (!IsUnit(box.X) || !IsUnit(box.Y) || !IsUnit(box.Width) || !IsUnit(box.Height)
                || box.X + box.Width > 1.0001f || box.Y + box.Height > 1.0001f)
            {
                return new(RejectReason.BoxOutOfRange,
                    $"boxes[{i}] ({box.X}, {box.Y}, {box.Width}, {box.Height}) is not inside the unit frame");
            }
        }

        if (CheckShapes(alert) is { } shapeRefusal)
        {
            return shapeRefusal;
        }

        if (alert.SnapshotJpeg.Length > AlertLimits.MaxSnapshotBytes)
        {
            return new(RejectReason.SnapshotTooLarge,
                $"snapshot_jpeg is {alert.SnapshotJpeg.Length} bytes, the limit is {AlertLimits.MaxSnapshotBytes}");
        }

        if (alert.Attributes.Count > AlertLimits.MaxAttributes)
        {
            return new(RejectReason.AttributesTooLarge,
                $"{alert.Attributes.Count} attributes, the limit is {AlertLimits.MaxAttributes}");
        }

        foreach (var (key, value) in alert.Attributes)
        {
            if (key.Length > AlertLimits.MaxAttributeKeyLength || value.Length > AlertLimits.MaxAttributeValueLength)
            {
                return new(RejectReason.AttributesTooLarge,
                    $"attribute '{key[..Math.Min(key.Length, 32)]}' exceeds {AlertLimits.MaxAttributeKeyLength}/{AlertLimits.MaxAttributeValueLength} characters");
            }
        }

        return null;
    }

    /// <summary>Whether a rejection may succeed when the same alert is sent again later.</summary>
    public static bool IsRetryable(RejectReason reason) => reason is
        RejectReason.TooManyUnacknowledged or RejectReason.NotAuthenticated or RejectReason.Unavailable or RejectReason.Overloaded;

    /// <summary>Whether a Timestamp lies in the range it is defined for (converting one outside throws).</summary>
    public static bool IsValidTimestamp(Google.Protobuf.WellKnownTypes.Timestamp timestamp)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        return timestamp.Seconds is >= AlertLimits.MinTimestampSeconds and <= AlertLimits.MaxTimestampSeconds
            && timestamp.Nanos is >= 0 and <= 999_999_999;
    }

    public static bool IsValidLocation(GeoLocation location) =>
        location.Latitude is >= -90 and <= 90 && location.Longitude is >= -180 and <= 180;

    private static AlertRefusal? CheckShapes(Alert alert)
    {
        if (alert.RuleShapes.Count > AlertLimits.MaxRuleShapes)
        {
            return new(RejectReason.ShapeOutOfRange, $"{alert.RuleShapes.Count} rule_shapes, the limit is {AlertLimits.MaxRuleShapes}");
        }

        for (var i = 0; i < alert.RuleShapes.Count; i++)
        {
            var shape = alert.RuleShapes[i];
            if (shape.Name.Length > AlertLimits.MaxRuleShapeNameLength)
            {
                return new(RejectReason.ShapeOutOfRange,
                    $"rule_shapes[{i}].name is {shape.Name.Length} characters, the limit is {AlertLimits.MaxRuleShapeNameLength}");
            }

            var (min, max, what) = shape.Closed ? (3, AlertLimits.MaxZoneCorners, "a zone") : (2, 2, "a line");
            if (shape.Points.Count < min || shape.Points.Count > max)
            {
                return new(RejectReason.ShapeOutOfRange,
                    $"rule_shapes[{i}] ('{shape.Name}') is {what} and needs {(min == max ? $"{min}" : $"{min} to {max}")} points, got {shape.Points.Count}");
            }

            for (var p = 0; p < shape.Points.Count; p++)
            {
                if (!IsUnit(shape.Points[p].X) || !IsUnit(shape.Points[p].Y))
                {
                    return new(RejectReason.ShapeOutOfRange, string.Create(CultureInfo.InvariantCulture,
                        $"rule_shapes[{i}].points[{p}] ({shape.Points[p].X}, {shape.Points[p].Y}) is outside [0,1]"));
                }
            }
        }

        return null;
    }

    private static bool IsUnit(float value) => value is >= 0f and <= 1f;
}
