using Dispatch.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.Gateway.Tests;

internal static class Alerts
{
    public static Alert Make(int n, string camera = "gw-t-cam-01") => new()
    {
        AlertId = $"alert-{n:D4}-{Guid.NewGuid():N}",
        CameraId = camera,
        Kind = AlertKind.Intrusion,
        Confidence = 0.8f,
        ObservedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        Attributes = { ["zone"] = "yard" },
    };
}
