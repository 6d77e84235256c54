using Dispatch.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Dispatch.Gateway.Video;

/// <summary>
/// The gateway's channel for CameraVideo calls (frames of live views, clip uploads), separate from the Connect
/// session's, with the gateway's credential as call metadata on every call.
/// </summary>
public sealed class VideoLink : IDisposable
{
    /// <summary>Call metadata naming the gateway, as on PublishAlert.</summary>
    public const string GatewayIdHeader = "x-dispatch-gateway-id";

    private readonly GrpcChannel _channel;
    private readonly Metadata _credentials;

    public VideoLink(Uri server, string gatewayId, string credential)
    {
        _channel = GrpcChannel.ForAddress(server, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                EnableMultipleHttp2Connections = true,
            },
        });
        Client = new CameraVideo.CameraVideoClient(_channel);
        _credentials = new Metadata { { "authorization", $"Bearer {credential}" }, { GatewayIdHeader, gatewayId } };
    }

    public CameraVideo.CameraVideoClient Client { get; }

    /// <summary>The gateway's credential metadata, for each call.</summary>
    public Metadata Credentials => _credentials;

    public void Dispose() => _channel.Dispose();
}
