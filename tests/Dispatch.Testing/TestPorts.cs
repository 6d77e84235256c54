using System.Net;
using System.Net.Sockets;

namespace Dispatch.Testing;

/// <summary>Loopback ports for hosts started by tests, so parallel test hosts never collide.</summary>
public static class TestPorts
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A TCP port on 127.0.0.1 that was free when asked and is not handed out twice by this process.</summary>
    public static int GetFreeTcpPort()
    {
        lock (Handed)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
