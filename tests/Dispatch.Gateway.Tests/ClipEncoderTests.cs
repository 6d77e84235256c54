using System.Diagnostics;
using System.Globalization;
using Dispatch.Gateway.Video;
using Dispatch.Testing;
using Dispatch.Vision.Synthetic;
using OpenCvSharp;

namespace Dispatch.Gateway.Tests;

/// <summary>Clips as the reference gateway encodes them: VP8 in WebM through Debian's ffmpeg (./dispatch.sh installs it).</summary>
public sealed class ClipEncoderTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    /// <summary>A clip job of a synthetic street: <paramref name="count"/> frames, <paramref name="fps"/> apart.</summary>
    internal static ClipJob Job(int count, double fps, int widthPx = 640, int heightPx = 360)
    {
        using var scene = new SyntheticScene(widthPx, heightPx, seed: 9, [SceneFigure.Walking(new(0.1, 0.8), new(0.9, 0.8), TimeSpan.Zero, TimeSpan.FromSeconds(count / fps))]);
        using var frame = new Mat();
        var frames = new List<TimedJpeg>();
        for (var i = 0; i < count; i++)
        {
            scene.Render(TimeSpan.FromSeconds(i / fps), frame);
            var (jpeg, width, height) = ClipRecorder.Encode(frame, 640, 75);
            frames.Add(new TimedJpeg(T0.AddSeconds(i / fps), jpeg, width, height));
        }

        return new ClipJob("cam-1", ["alert-1"], frames, frames[0].CapturedAtUtc, frames[^1].CapturedAtUtc);
    }

    /// <summary>The duration ffprobe reads from a WebM, in seconds.</summary>
    internal static double ProbeDurationSeconds(byte[] webm)
    {
        var path = Path.Combine(Path.GetTempPath(), $"probe-{Guid.NewGuid():N}.webm");
        File.WriteAllBytes(path, webm);
        try
        {
            var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in (string[])["-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "default=noprint_wrappers=1", path])
            {
                start.ArgumentList.Add(argument);
            }

            using var probe = Process.Start(start)!;
            var output = probe.StandardOutput.ReadToEnd();
            probe.WaitForExit();
            Assert.Contains("codec_name=vp8", output, StringComparison.Ordinal);
            var line = output.Split('\n').Single(l => l.StartsWith("duration=", StringComparison.Ordinal));
            return double.Parse(line["duration=".Length..], CultureInfo.InvariantCulture);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Frames_become_a_vp8_webm_that_lasts_as_long_as_the_seconds_it_shows()
    {
        using var dir = new TempDirectory("clip-encoder");
        var encoder = new ClipEncoder();
        var job = Job(count: 41, fps: 5); // 8 s from first to last frame

        var problem = await encoder.CheckAsync(TestContext.Current.CancellationToken);
        var clip = await encoder.EncodeAsync(job, dir.Path, TestContext.Current.CancellationToken);

        Assert.Null(problem);
        Assert.Equal("video/webm", clip.MediaType);
        Assert.Equal([0x1A, 0x45, 0xDF, 0xA3], clip.Bytes[..4]);
        Assert.Equal((640, 360, 41), (clip.WidthPx, clip.HeightPx, clip.FrameCount));
        Assert.InRange(ProbeDurationSeconds(clip.Bytes), 7.9, 8.4);
        Assert.InRange(clip.Bytes.Length, 20_000, 2_000_000);
        Assert.Empty(Directory.EnumerateFiles(dir.Path)); // the work file is gone
    }

    [Fact]
    public async Task Without_ffmpeg_the_check_says_so_and_an_encode_names_the_failure()
    {
        using var dir = new TempDirectory("clip-encoder-missing");
        var missing = new ClipEncoder("/nonexistent/ffmpeg");

        var problem = await missing.CheckAsync(TestContext.Current.CancellationToken);

        Assert.Equal("'/nonexistent/ffmpeg' was not found (install Debian's ffmpeg, or give its path with --ffmpeg)", problem);
    }
}
