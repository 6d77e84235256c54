using Prometheus;

namespace Dispatch.Server.Video;

/// <summary>Live views and clips in this host's /metrics (dispatch_video_*).</summary>
public sealed class VideoMetrics
{
    private readonly Gauge _liveCameras;
    private readonly Gauge _viewers;
    private readonly Counter _framesReceived;
    private readonly Counter _framesSent;
    private readonly Counter _framesDropped;
    private readonly Counter _bytesSent;
    private readonly Counter _viewsRefused;
    private readonly Counter _clipsStored;
    private readonly Counter _clipsRefused;

    public VideoMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _liveCameras = factory.CreateGauge("dispatch_video_live_cameras", "Cameras streaming live to this host now.");
        _viewers = factory.CreateGauge("dispatch_video_viewers", "Live-view viewers (tiles) connected to this host, by profile.", "profile");
        _framesReceived = factory.CreateCounter("dispatch_video_frames_received_total", "Live frames received from gateways.");
        _framesSent = factory.CreateCounter("dispatch_video_frames_sent_total", "Live frames written to viewers.");
        _framesDropped = factory.CreateCounter("dispatch_video_frames_dropped_total", "Live frames dropped for a viewer slower than its camera.");
        _bytesSent = factory.CreateCounter("dispatch_video_sent_bytes_total", "Bytes of live frames written to viewers.");
        _viewsRefused = factory.CreateCounter("dispatch_video_views_refused_total", "Live views refused, by reason.", "reason");
        _clipsStored = factory.CreateCounter("dispatch_video_clips_stored_total", "Event clips stored with their alerts.");
        _clipsRefused = factory.CreateCounter("dispatch_video_clips_refused_total", "Event clips refused, by reason.", "reason");
        foreach (var profile in (string[])["console", "terminal"])
        {
            _viewers.WithLabels(profile);
        }
    }

    public void LiveCameras(int count) => _liveCameras.Set(count);

    public void ViewerJoined(ViewerProfile profile) => _viewers.WithLabels(Label(profile)).Inc();

    public void ViewerLeft(ViewerProfile profile) => _viewers.WithLabels(Label(profile)).Dec();

    public void FrameReceived() => _framesReceived.Inc();

    public void FrameSent(int bytes)
    {
        _framesSent.Inc();
        _bytesSent.Inc(bytes);
    }

    public void FrameDropped() => _framesDropped.Inc();

    /// <summary>reason: forbidden, unknown_camera, too_many_cameras, no_live_view, bad_request.</summary>
    public void ViewRefused(string reason) => _viewsRefused.WithLabels(reason).Inc();

    public void ClipStored() => _clipsStored.Inc();

    public void ClipRefused(string reason) => _clipsRefused.WithLabels(reason).Inc();

    private static string Label(ViewerProfile profile) => profile == ViewerProfile.Terminal ? "terminal" : "console";
}
