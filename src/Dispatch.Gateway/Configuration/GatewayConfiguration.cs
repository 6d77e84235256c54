using System.Text.Json;
using System.Text.Json.Serialization;
using Dispatch.Vision.Analytics;
using Dispatch.Vision.Geometry;

namespace Dispatch.Gateway.Configuration;

/// <summary>
/// The gateway's camera file (--config): per camera its source, location, detector, zones and
/// lines in normalised coordinates. Example in the gateway's README section of the repository README.
/// </summary>
public sealed record GatewayConfiguration
{
    public List<CameraConfiguration> Cameras { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static GatewayConfiguration Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"camera configuration '{path}' does not exist", path);
        }

        try
        {
            var configuration = JsonSerializer.Deserialize<GatewayConfiguration>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"camera configuration '{path}' is empty");
            foreach (var camera in configuration.Cameras)
            {
                camera.ToSettings().Validate();
            }

            return configuration;
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"camera configuration '{path}' is not valid JSON: {error.Message}", error);
        }
    }
}

public sealed record CameraConfiguration
{
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    /// <summary>"synthetic", a video file path, or an rtsp:// / http:// URL.</summary>
    public string Source { get; init; } = "synthetic";

    public double? Latitude { get; init; }

    public double? Longitude { get; init; }

    /// <summary>"hog" or "motion-blob"; empty picks motion-blob for synthetic sources and hog otherwise.</summary>
    public string Detector { get; init; } = string.Empty;

    public List<ZoneConfiguration> Zones { get; init; } = [];

    public List<LineConfiguration> Lines { get; init; } = [];

    public int? CrowdAbove { get; init; }

    public double MinScore { get; init; } = 0.3;

    public int PersistenceFrames { get; init; } = 3;

    /// <summary>How far past a line (fraction of the frame) the feet must get to count as a crossing; null keeps the default.</summary>
    public double? LineMinDistance { get; init; }

    /// <summary>Quiet time per person and line after a crossing alert; null keeps the default.</summary>
    public double? LineCooldownSeconds { get; init; }

    public CameraAnalyticsSettings ToSettings()
    {
        if (string.IsNullOrWhiteSpace(Id))
        {
            throw new InvalidDataException("a camera in the configuration has no id");
        }

        var defaults = new CameraAnalyticsSettings();
        return new CameraAnalyticsSettings
        {
            LineMinDistance = LineMinDistance ?? defaults.LineMinDistance,
            LineCooldownSeconds = LineCooldownSeconds ?? defaults.LineCooldownSeconds,
            Zones = [.. Zones.Select(z => new ZoneRule(new Zone(z.Name, [.. z.Points.Select(p => Point(p, $"zone '{z.Name}' of camera '{Id}'"))]), z.Intrusion, z.LoiteringSeconds))],
            Lines = [.. Lines.Select(l => new DirectedLine(l.Name, Point(l.From, $"line '{l.Name}'"), Point(l.To, $"line '{l.Name}'"), l.AlertOn))],
            CrowdAbove = CrowdAbove,
            MinScore = MinScore,
            PersistenceFrames = PersistenceFrames,
        };
    }

    private static NormalizedPoint Point(double[] xy, string owner)
    {
        if (xy is not { Length: 2 } || xy.Any(v => v is < 0 or > 1 || double.IsNaN(v)))
        {
            throw new InvalidDataException($"{owner}: point [{string.Join(", ", xy ?? [])}] must be [x, y] with both in [0,1]");
        }

        return new NormalizedPoint(xy[0], xy[1]);
    }
}

public sealed record ZoneConfiguration
{
    public string Name { get; init; } = string.Empty;

    public List<double[]> Points { get; init; } = [];

    public bool Intrusion { get; init; } = true;

    public double? LoiteringSeconds { get; init; }
}

public sealed record LineConfiguration
{
    public string Name { get; init; } = string.Empty;

    public double[] From { get; init; } = [];

    public double[] To { get; init; } = [];

    public CrossingFilter AlertOn { get; init; } = CrossingFilter.Both;
}
