using Dispatch.Vision.Snapshots;
using OpenCvSharp;

namespace Dispatch.Server.Video;

/// <summary>Scales a live frame down for a viewer that asked for a smaller picture (a terminal on a mobile link).</summary>
public static class FrameScaler
{
    /// <summary>The JPEG at exactly <paramref name="width"/> x <paramref name="height"/>, or null when it does not decode.</summary>
    public static byte[]? Scale(ReadOnlySpan<byte> jpeg, int width, int height, int quality = 70)
    {
        using var image = Cv2.ImDecode(jpeg, ImreadModes.Color);
        if (image.Empty())
        {
            return null;
        }

        using var small = new Mat();
        Cv2.Resize(image, small, new Size(width, height), interpolation: InterpolationFlags.Area);
        return Snapshot.Encode(small, quality);
    }
}
