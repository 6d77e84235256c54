using System.Threading.Channels;
using Dispatch.Contracts.V1;

namespace Dispatch.Server.Video;

/// <summary>
/// A gateway's Connect stream on this host, as the video side uses it: to ask for live views (messages go into the
/// stream's own outbox, behind any acks already queued) and to know which cameras it serves.
/// </summary>
public sealed class GatewayLink(string gatewayId, string software, bool supportsLiveView, bool supportsClips, IReadOnlyCollection<string> cameraIds, ChannelWriter<ServerMessage> outbox)
{
    public string GatewayId { get; } = gatewayId;

    public string Software { get; } = software;

    public bool SupportsLiveView { get; } = supportsLiveView;

    public bool SupportsClips { get; } = supportsClips;

    /// <summary>The cameras the gateway announced in its Hello and the service accepted.</summary>
    public IReadOnlyCollection<string> CameraIds { get; } = cameraIds;

    /// <summary>Queues a message on the gateway's stream; false when the stream is gone or its outbox is full (try again later).</summary>
    public bool TrySend(ServerMessage message) => outbox.TryWrite(message);
}

/// <summary>
/// The gateways connected to this host now, by id, and the cameras each announced. A gateway may hold more than one
/// stream; the latest one carries live-view requests. Attaching and detaching is told to <see cref="Changed"/>.
/// </summary>
public sealed class GatewayLinks
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<GatewayLink>> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _gatewayOfCamera = new(StringComparer.Ordinal);

    /// <summary>A gateway's stream was attached (true) or one was detached (false).</summary>
    public event Action<GatewayLink, bool>? Changed;

    public GatewayLink Attach(string gatewayId, Hello hello, Welcome welcome, ChannelWriter<ServerMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(hello);
        ArgumentNullException.ThrowIfNull(welcome);
        var refused = welcome.RefusedCameraIds.ToHashSet(StringComparer.Ordinal);
        var cameras = hello.Cameras.Select(c => c.CameraId).Where(id => !refused.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
        var link = new GatewayLink(gatewayId, hello.Software, hello.SupportsLiveView, hello.SupportsEventClips, cameras, outbox);
        lock (_lock)
        {
            if (!_links.TryGetValue(gatewayId, out var list))
            {
                _links[gatewayId] = list = [];
            }

            list.Add(link);
            foreach (var camera in cameras)
            {
                _gatewayOfCamera[camera] = gatewayId;
            }
        }

        Changed?.Invoke(link, true);
        return link;
    }

    public void Detach(GatewayLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        lock (_lock)
        {
            if (!_links.TryGetValue(link.GatewayId, out var list) || !list.Remove(link))
            {
                return;
            }

            if (list.Count == 0)
            {
                _links.Remove(link.GatewayId);
            }
        }

        Changed?.Invoke(link, false);
    }

    /// <summary>The gateway's latest stream on this host, or null when it is not connected here.</summary>
    public GatewayLink? Find(string gatewayId)
    {
        lock (_lock)
        {
            return _links.TryGetValue(gatewayId, out var list) && list.Count > 0 ? list[^1] : null;
        }
    }

    /// <summary>The gateway that last announced the camera on this host (it may be gone since).</summary>
    public string? GatewayOf(string cameraId)
    {
        lock (_lock)
        {
            return _gatewayOfCamera.GetValueOrDefault(cameraId);
        }
    }

    /// <summary>Cameras whose gateway is connected now and streams live on request.</summary>
    public IReadOnlyDictionary<string, string> LiveCapableCameras()
    {
        lock (_lock)
        {
            var cameras = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (gatewayId, list) in _links)
            {
                if (list.Count > 0 && list[^1].SupportsLiveView)
                {
                    foreach (var camera in list[^1].CameraIds)
                    {
                        cameras[camera] = gatewayId;
                    }
                }
            }

            return cameras;
        }
    }
}
