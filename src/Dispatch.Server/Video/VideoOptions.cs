using System.Globalization;

namespace Dispatch.Server.Video;

/// <summary>Live views and event clips (appsettings "Dispatch:Video").</summary>
public sealed class VideoOptions
{
    public const string SectionName = "Dispatch:Video";

    /// <summary>Cameras one gateway streams live at once; a viewer asking for one more is refused, naming those streaming.</summary>
    public int MaxLiveCamerasPerGateway { get; set; } = 4;

    /// <summary>The most frames per second a viewer may ask for.</summary>
    public double MaxFps { get; set; } = 10;

    /// <summary>The largest picture a viewer may ask for, in pixels.</summary>
    public int MaxWidthPx { get; set; } = 1280;

    public int MaxHeightPx { get; set; } = 720;

    /// <summary>What a viewer gets when it asks for nothing in particular.</summary>
    public double DefaultFps { get; set; } = 5;

    public int DefaultWidthPx { get; set; } = 640;

    public int DefaultHeightPx { get; set; } = 360;

    /// <summary>An officer's terminal (phone or tablet, on a mobile link) gets at most this: smaller, at a lower rate.</summary>
    public double TerminalMaxFps { get; set; } = 2;

    public int TerminalMaxWidthPx { get; set; } = 320;

    public int TerminalMaxHeightPx { get; set; } = 180;

    /// <summary>JPEG quality asked of gateways.</summary>
    public int JpegQuality { get; set; } = 70;

    /// <summary>Whether the viewer role (wall displays) may open live views and clips; operators and supervisors always may.</summary>
    public bool ViewersMayWatch { get; set; }

    /// <summary>How many cameras an incident's grid shows (the nearest that can stream), and how far they may be.</summary>
    public int NearestCameras { get; set; } = 4;

    public double NearestCamerasRadiusMeters { get; set; } = 1000;

    /// <summary>After the last viewer of a camera leaves, the gateway keeps streaming this long (a tile reopened at once finds it live).</summary>
    public double StopAfterSeconds { get; set; } = 5;

    /// <summary>A live camera that sent no frame for this long is shown as without picture.</summary>
    public double NoPictureAfterSeconds { get; set; } = 5;

    /// <summary>Frames waiting per viewer; a viewer slower than its camera loses the oldest, never holds up the others.</summary>
    public int ViewerQueueFrames { get; set; } = 2;

    /// <summary>Event clips: seconds before and after each alert asked of gateways (0 and 0: no clips).</summary>
    public int ClipPreSeconds { get; set; } = 5;

    public int ClipPostSeconds { get; set; } = 5;

    /// <summary>The largest clip accepted, in bytes.</summary>
    public long MaxClipBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>SQLite file of the video audit (who watched which camera or clip, when, how long); empty: video-audit.db beside the grain database. Unused with PostgreSQL storage (the audit is then the cluster's).</summary>
    public string AuditPath { get; set; } = "";

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Range(string key, double value, double min, double max)
        {
            if (!double.IsFinite(value) || value < min || value > max)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:{key} must be within {min}..{max}, got {value}"));
            }
        }

        Range(nameof(MaxLiveCamerasPerGateway), MaxLiveCamerasPerGateway, 1, 256);
        Range(nameof(MaxFps), MaxFps, 0.1, 60);
        Range(nameof(MaxWidthPx), MaxWidthPx, 64, 7680);
        Range(nameof(MaxHeightPx), MaxHeightPx, 64, 4320);
        Range(nameof(DefaultFps), DefaultFps, 0.1, MaxFps);
        Range(nameof(DefaultWidthPx), DefaultWidthPx, 64, MaxWidthPx);
        Range(nameof(DefaultHeightPx), DefaultHeightPx, 64, MaxHeightPx);
        Range(nameof(TerminalMaxFps), TerminalMaxFps, 0.1, MaxFps);
        Range(nameof(TerminalMaxWidthPx), TerminalMaxWidthPx, 64, MaxWidthPx);
        Range(nameof(TerminalMaxHeightPx), TerminalMaxHeightPx, 64, MaxHeightPx);
        Range(nameof(JpegQuality), JpegQuality, 1, 100);
        Range(nameof(NearestCameras), NearestCameras, 1, 16);
        Range(nameof(NearestCamerasRadiusMeters), NearestCamerasRadiusMeters, 1, 100_000);
        Range(nameof(StopAfterSeconds), StopAfterSeconds, 0, 3600);
        Range(nameof(NoPictureAfterSeconds), NoPictureAfterSeconds, 0.5, 3600);
        Range(nameof(ViewerQueueFrames), ViewerQueueFrames, 1, 64);
        Range(nameof(ClipPreSeconds), ClipPreSeconds, 0, 60);
        Range(nameof(ClipPostSeconds), ClipPostSeconds, 0, 60);
        Range(nameof(MaxClipBytes), MaxClipBytes, 64 * 1024, 256.0 * 1024 * 1024);
        return errors;
    }

    /// <summary>Whether gateways are asked for clips at all.</summary>
    public bool ClipsWanted => ClipPreSeconds + ClipPostSeconds > 0;
}
