using System.Diagnostics;

namespace Dispatch.Server.Tests.Video;

/// <summary>Real WebM (VP8) clips made with Debian's ffmpeg, as the reference gateway makes them (./dispatch.sh installs ffmpeg).</summary>
public static class TestClips
{
    private static readonly Dictionary<(double, int), byte[]> Made = [];

    /// <summary>A test pattern of <paramref name="seconds"/> at 5 fps, <paramref name="widthPx"/> wide (16:9).</summary>
    public static byte[] WebM(double seconds = 3, int widthPx = 320)
    {
        lock (Made)
        {
            if (Made.TryGetValue((seconds, widthPx), out var made))
            {
                return made;
            }

            var output = Path.Combine(Path.GetTempPath(), $"dispatch-test-clip-{Guid.NewGuid():N}.webm");
            try
            {
                var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
                foreach (var argument in (string[])["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                    FormattableString.Invariant($"testsrc=size={widthPx}x{widthPx * 9 / 16}:rate=5"), "-t", FormattableString.Invariant($"{seconds}"),
                    "-c:v", "libvpx", "-deadline", "realtime", "-b:v", "300k", "-f", "webm", output])
                {
                    start.ArgumentList.Add(argument);
                }

                using var ffmpeg = Process.Start(start)!;
                var errors = ffmpeg.StandardError.ReadToEnd();
                ffmpeg.WaitForExit();
                Assert.True(ffmpeg.ExitCode == 0, $"ffmpeg (Debian's, installed by ./dispatch.sh) could not make a test clip: {errors}");
                made = File.ReadAllBytes(output);
                Made[(seconds, widthPx)] = made;
                return made;
            }
            finally
            {
                File.Delete(output);
            }
        }
    }
}
