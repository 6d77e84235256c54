using System.Globalization;
using Dispatch.Contracts.V1;
using Dispatch.Gateway.Cameras;
using Dispatch.Gateway.Configuration;
using Dispatch.Gateway.Delivery;
using Dispatch.Gateway.Spool;
using Dispatch.Gateway.Video;
using Dispatch.Vision.Analytics;
using Dispatch.Vision.Detection;

namespace Dispatch.Gateway;

/// <summary>What a run did, printed as the gateway's last line.</summary>
/// <param name="CamerasWorking">Cameras that delivered at least one frame.</param>
/// <param name="Problems">Why each camera that never worked did not ("cam-1: cannot open rtsp://..."), for the exit message.</param>
public sealed record GatewaySummary(int Cameras, int CamerasWorking, long Frames, double FpsPerCamera, long AlertsSent, long AlertsAcked, long Spooled)
{
    public IReadOnlyList<string> Problems { get; init; } = [];

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"cameras={Cameras} cameras_working={CamerasWorking} frames={Frames} fps_per_camera={FpsPerCamera:F1} alerts_sent={AlertsSent} alerts_acked={AlertsAcked} spooled={Spooled}");
}

/// <summary>Wires cameras, spool and delivery together and runs them for the requested time.</summary>
public static class GatewayHost
{
    public static async Task<GatewaySummary> RunAsync(GatewayOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        void Log(string line) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");

        var cameras = DescribeCameras(options);
        using var spool = AlertSpool.Open(options.SpoolDirectory, options.GatewayId);
        if (spool.Count > 0 || spool.DiscardedTailBytes > 0)
        {
            Log($"spool {spool.FilePath}: {spool.Count} alerts to replay, {spool.DiscardedTailBytes} torn bytes dropped");
        }

        var workers = new List<CameraWorker>();
        using var video = new GatewayVideo(options.Video, options.Server, options.GatewayId, options.Credential, options.SpoolDirectory,
            [.. cameras.Select(c => c.Info.CameraId)], Log);
        await video.PrepareAsync(cancellationToken);
        try
        {
            foreach (var camera in cameras)
            {
                workers.Add(CreateWorker(camera, options, spool, video.TapsFor(camera.Info.CameraId), Log));
            }

            var delivery = new AlertDelivery(
                new DeliveryOptions
                {
                    Server = options.Server,
                    FailoverServers = options.FailoverServers,
                    GatewayId = options.GatewayId,
                    Credential = options.Credential,
                    Cameras = [.. cameras.Select(c => c.Info)],
                    InitialBackoff = options.InitialBackoff,
                    MaxBackoff = options.MaxBackoff,
                    SupportsLiveView = video.Live is not null,
                    SupportsEventClips = video.ClipsAvailable,
                },
                spool,
                () => Heartbeat(workers),
                Log,
                listener: video);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (options.Duration is { } duration)
            {
                stop.CancelAfter(duration);
            }

            using var deliveryStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var deliveryTask = delivery.RunAsync(deliveryStop.Token);
            var videoTask = video.RunAsync(deliveryStop.Token);
            var cameraTasks = workers.Select(w => w.RunAsync(stop.Token)).ToList();
            Log($"gateway {options.GatewayId}: {workers.Count} cameras, server {string.Join(", ", new[] { options.Server }.Concat(options.FailoverServers))}, spool {spool.FilePath}");

            var camerasDone = Task.WhenAll(cameraTasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            while (!stop.IsCancellationRequested && !camerasDone.IsCompleted)
            {
                await Task.WhenAny(Task.Delay(options.ReportEvery, stop.Token), camerasDone).ContinueWith(_ => { }, TaskScheduler.Default);

                foreach (var worker in workers)
                {
                    var problem = worker.Problem;
                    Log(string.Create(CultureInfo.InvariantCulture,
                        $"camera {worker.CameraId} fps={worker.Fps:F1} frames={worker.Frames} alerts={worker.Alerts}{(problem.Length > 0 ? $" offline: {problem}" : "")}"));
                }

                Log($"alerts sent={delivery.AlertsSent} acked={delivery.AlertsAcked} rejected={delivery.AlertsRejected} spooled={spool.Count} connected={delivery.Connected}");
                Log(video.Report());
            }

            Log(cancellationToken.IsCancellationRequested ? "asked to stop (Ctrl+C or TERM); stopping"
                : camerasDone.IsCompleted ? "every camera has analysed its --frames; stopping"
                : $"--duration of {options.Duration?.TotalSeconds:F0} s reached; stopping");

            await stop.CancelAsync();
            await camerasDone;

            // Give alerts raised at the very end a moment to be acknowledged; the rest stay spooled.
            var drainUntil = DateTime.UtcNow + options.DrainTimeout;
            while (spool.Count > 0 && DateTime.UtcNow < drainUntil && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(50, CancellationToken.None);
            }

            // Clips of the last alerts: give their encoding and upload the same moment as the alerts' acks.
            while (video.ClipSpool.Count > 0 && DateTime.UtcNow < drainUntil && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(50, CancellationToken.None);
            }

            await deliveryStop.CancelAsync();
            await deliveryTask;
            await videoTask;

            var frames = workers.Sum(w => w.Frames);
            var fps = workers.Count == 0 ? 0 : workers.Average(w => w.Fps);
            return new GatewaySummary(workers.Count, workers.Count(w => w.HasWorked), frames, fps, delivery.AlertsSent, delivery.AlertsAcked, spool.Count)
            {
                Problems = [.. workers.Where(w => !w.HasWorked).Select(w => $"{w.CameraId}: {(w.Problem.Length > 0 ? w.Problem : "no frame")}")],
            };
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    private sealed record PlannedCamera(CameraInfo Info, string Source, string? Detector, CameraAnalyticsSettings Settings);

    private static List<PlannedCamera> DescribeCameras(GatewayOptions options)
    {
        if (options.ConfigFile is { } file)
        {
            var configuration = GatewayConfiguration.Load(file);
            if (configuration.Cameras.Count == 0)
            {
                throw new InvalidDataException($"camera configuration '{file}' lists no cameras");
            }

            return [.. configuration.Cameras.Select(c =>
            {
                var info = new CameraInfo { CameraId = c.Id, Name = c.Name };
                if (c.Latitude is { } lat && c.Longitude is { } lon)
                {
                    info.Location = new GeoLocation { Latitude = lat, Longitude = lon };
                }

                return new PlannedCamera(info, c.Source, string.IsNullOrEmpty(c.Detector) ? options.Detector : c.Detector, c.ToSettings());
            })];
        }

        var (yard, gate) = SyntheticFrameSource.Layout;
        var settings = new CameraAnalyticsSettings
        {
            Zones = [new ZoneRule(yard, Intrusion: true, LoiteringSeconds: 20)],
            Lines = [gate],
            CrowdAbove = 5,
        };
        return [.. Enumerable.Range(1, options.Cameras).Select(i =>
        {
            var info = new CameraInfo { CameraId = $"{options.GatewayId}-cam-{i:D2}", Name = $"{options.Source} camera {i}" };
            if (options.Latitude is { } lat && options.Longitude is { } lon)
            {
                // About 100 m apart eastwards, so a map shows them side by side.
                var metersPerDegree = 111_320 * Math.Cos(lat * Math.PI / 180);
                info.Location = new GeoLocation { Latitude = lat, Longitude = lon + ((i - 1) * 100 / metersPerDegree) };
            }

            return new PlannedCamera(info, options.Source, options.Detector, settings);
        })];
    }

    private static CameraWorker CreateWorker(PlannedCamera camera, GatewayOptions options, AlertSpool spool, CameraVideoTaps taps, Action<string> log)
    {
        var synthetic = camera.Source == "synthetic";
        IFrameSource source = synthetic
            ? new SyntheticFrameSource(options.Width, options.Height, seed: StableSeed(camera.Info.CameraId))
            : new VideoCaptureSource(camera.Source, new Backoff(options.CameraRetryInitial, options.CameraRetryMax));
        IPersonDetector detector = (camera.Detector ?? (synthetic ? "motion-blob" : "hog")) == "hog"
            ? new HogPersonDetector()
            : new MotionBlobPersonDetector();
        var pace = options.Fps ?? source.NativeFps;
        return new CameraWorker(camera.Info.CameraId, source, new CameraAnalytics(camera.Settings, detector), spool, pace, options.FramesPerCamera, log,
            options.Picture, taps);
    }

    private static int StableSeed(string cameraId)
    {
        var hash = 17;
        foreach (var c in cameraId)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash & 0x7fff;
    }

    private static Heartbeat Heartbeat(IReadOnlyList<CameraWorker> workers)
    {
        var beat = new Heartbeat();
        beat.Cameras.AddRange(workers.Select(w => w.Health()));
        return beat;
    }
}
