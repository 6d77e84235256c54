using Dispatch.Contracts;
using Dispatch.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.Gateway.Tests;

/// <summary>The contract's field checks, which the service applies and gateways can apply before sending.</summary>
public sealed class AlertValidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static Alert Valid() => new()
    {
        AlertId = "a-1",
        CameraId = "cam-1",
        Kind = AlertKind.Intrusion,
        Confidence = 0.7f,
        ObservedAt = Timestamp.FromDateTimeOffset(Now.AddSeconds(-5)),
        Boxes = { new BoundingBox { X = 0.2f, Y = 0.3f, Width = 0.1f, Height = 0.4f, Label = "person", Score = 0.8f } },
    };

    private static RejectReason? Check(Alert alert) =>
        AlertValidation.Check(alert, Now, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10))?.Reason;

    [Fact]
    public void Well_formed_alert_passes() => Assert.Null(Check(Valid()));

    [Fact]
    public void Each_bad_field_is_refused_with_its_own_reason()
    {
        Assert.Equal(RejectReason.MissingAlertId, Check(Valid().With(a => a.AlertId = "")));
        Assert.Equal(RejectReason.UnknownKind, Check(Valid().With(a => a.Kind = AlertKind.Unspecified)));
        Assert.Equal(RejectReason.ConfidenceOutOfRange, Check(Valid().With(a => a.Confidence = 1.5f)));
        Assert.Equal(RejectReason.ObservedInFuture, Check(Valid().With(a => a.ObservedAt = Timestamp.FromDateTimeOffset(Now.AddMinutes(1)))));
        Assert.Equal(RejectReason.ObservedTooOld, Check(Valid().With(a => a.ObservedAt = Timestamp.FromDateTimeOffset(Now.AddHours(-1)))));
        Assert.Equal(RejectReason.CoordinatesOutOfRange, Check(Valid().With(a => a.Location = new GeoLocation { Latitude = 91, Longitude = 0 })));
        Assert.Equal(RejectReason.BoxOutOfRange, Check(Valid().With(a => a.Boxes[0].X = 0.95f)));
        Assert.Equal(RejectReason.SnapshotTooLarge, Check(Valid().With(a => a.SnapshotJpeg = ByteString.CopyFrom(new byte[AlertLimits.MaxSnapshotBytes + 1]))));
    }

    [Theory]
    [InlineData(-62_135_596_801L, 0)]
    [InlineData(253_402_300_800L, 0)]
    [InlineData(long.MaxValue, 0)]
    [InlineData(long.MinValue, 0)]
    [InlineData(1_700_000_000L, -1)]
    [InlineData(1_700_000_000L, 1_000_000_000)]
    public void Observed_at_outside_what_a_timestamp_can_hold_is_refused_with_its_reason_not_thrown(long seconds, int nanos)
    {
        var refusal = AlertValidation.Check(Valid().With(a => a.ObservedAt = new Timestamp { Seconds = seconds, Nanos = nanos }),
            Now, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10));

        Assert.Equal(RejectReason.ObservedAtInvalid, refusal?.Reason);
        Assert.Contains(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), refusal!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Observed_at_at_the_edges_of_the_timestamp_range_is_judged_by_age_not_refused_as_invalid()
    {
        Assert.Equal(RejectReason.ObservedTooOld, Check(Valid().With(a => a.ObservedAt = new Timestamp { Seconds = AlertLimits.MinTimestampSeconds })));
        Assert.Equal(RejectReason.ObservedInFuture, Check(Valid().With(a => a.ObservedAt = new Timestamp { Seconds = AlertLimits.MaxTimestampSeconds, Nanos = 999_999_999 })));
    }

    [Fact]
    public void Rule_shapes_are_checked_for_range_and_point_count()
    {
        static RuleShape Line(params float[] xy) => Shape(false, xy);
        static RuleShape Zone(params float[] xy) => Shape(true, xy);

        Assert.Null(Check(Valid().With(a => a.RuleShapes.Add(Line(0.5f, 0.4f, 0.5f, 1f)))));
        Assert.Null(Check(Valid().With(a => a.RuleShapes.Add(Zone(0.6f, 0.4f, 1f, 0.4f, 1f, 1f)))));
        Assert.Equal(RejectReason.ShapeOutOfRange, Check(Valid().With(a => a.RuleShapes.Add(Line(0.5f, 0.4f, 0.5f, 1.2f)))));
        Assert.Equal(RejectReason.ShapeOutOfRange, Check(Valid().With(a => a.RuleShapes.Add(Line(0.5f, 0.4f, 0.5f, 1f, 0.6f, 1f)))));
        Assert.Equal(RejectReason.ShapeOutOfRange, Check(Valid().With(a => a.RuleShapes.Add(Zone(0.6f, 0.4f, 1f, 0.4f)))));
        Assert.Equal(RejectReason.ShapeOutOfRange, Check(Valid().With(a => a.RuleShapes.Add(new RuleShape { Name = new string('z', 65), Points = { Line(0, 0, 1, 1).Points } }))));
        Assert.Equal(RejectReason.ShapeOutOfRange, Check(Valid().With(a =>
        {
            for (var i = 0; i < 5; i++)
            {
                a.RuleShapes.Add(Line(0, 0, 1, 1));
            }
        })));
    }

    private static RuleShape Shape(bool closed, float[] xy)
    {
        var shape = new RuleShape { Name = closed ? "yard" : "gate", Closed = closed };
        for (var i = 0; i + 1 < xy.Length; i += 2)
        {
            shape.Points.Add(new ImagePoint { X = xy[i], Y = xy[i + 1] });
        }

        return shape;
    }

    [Fact]
    public void Refusal_message_names_the_offending_value()
    {
        var refusal = AlertValidation.Check(Valid().With(a => a.Confidence = 1.5f), Now, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10));

        Assert.Contains("1.5", refusal!.Message);
    }

    [Theory]
    [InlineData(RejectReason.TooManyUnacknowledged, true)]
    [InlineData(RejectReason.NotAuthenticated, true)]
    [InlineData(RejectReason.UnknownCamera, false)]
    [InlineData(RejectReason.SnapshotNotJpeg, false)]
    public void Only_transient_reasons_are_retryable(RejectReason reason, bool retryable) =>
        Assert.Equal(retryable, AlertValidation.IsRetryable(reason));
}

internal static class AlertEditing
{
    public static Alert With(this Alert alert, Action<Alert> edit)
    {
        edit(alert);
        return alert;
    }
}
