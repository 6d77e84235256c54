using OpenCvSharp;

namespace Dispatch.Vision.Synthetic;

/// <summary>Writes a scene to a Motion-JPEG AVI, the format every OpenCV build can read back.</summary>
public static class SyntheticVideo
{
    /// <returns>The number of frames written.</returns>
    public static int Write(string path, SyntheticScene scene, TimeSpan duration, double fps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(fps, 0);
        using var writer = new VideoWriter(path, FourCC.MJPG, fps, new Size(scene.Width, scene.Height));
        if (!writer.IsOpened())
        {
            throw new InvalidOperationException($"OpenCV cannot write an MJPG video to '{path}'");
        }

        using var frame = new Mat();
        var count = (int)Math.Round(duration.TotalSeconds * fps);
        for (var i = 0; i < count; i++)
        {
            scene.Render(TimeSpan.FromSeconds(i / fps), frame);
            writer.Write(frame);
        }

        return count;
    }
}
