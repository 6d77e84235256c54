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

    public static bool IsValidLocation(GeoLocation location) =>
        location.Latitude is >= -90 and <= 90 && location.Longitude is >= -180 and <= 180;

    private static bool IsUnit(float value) => value is >= 0f and <= 1f;
}
