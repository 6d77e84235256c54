using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Dispatch.Gateway.Video;

/// <summary>An encoded clip: WebM bytes and what they hold.</summary>
public sealed record EncodedClip(byte[] Bytes, string MediaType, int WidthPx, int HeightPx, int FrameCount, DateTime StartUtc, DateTime EndUtc, TimeSpan EncodeTime);

/// <summary>
/// Turns a clip's JPEG frames into VP8 in WebM with Debian's ffmpeg (libvpx): the one codec here that a browser's video
/// element plays and this machine can write. OpenCV's runtime (OpenCvSharp4.official.runtime) writes MJPEG, MPEG-4 Part 2
/// and FFV1, none of which Chromium plays, and has no VP8, VP9, AV1 or H.264 encoder (docs/video.md). The frames go in as
/// an MJPEG stream on stdin; the WebM is written to a file so the muxer can go back and record the duration and cues
/// that seeking needs.
/// </summary>
public sealed class ClipEncoder(string ffmpegPath = "ffmpeg", int bitrateKbps = 500)
{
    public const string MediaType = "video/webm";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public string FfmpegPath => ffmpegPath;

    /// <summary>Null when ffmpeg runs and has the libvpx encoder, otherwise why clips cannot be made.</summary>
    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (exit, output, _) = await RunAsync(["-hide_banner", "-encoders"], null, TimeSpan.FromSeconds(20), cancellationToken);
            return exit != 0 ? $"'{ffmpegPath} -encoders' failed with exit code {exit}"
                : !output.Contains(" libvpx ", StringComparison.Ordinal) ? $"'{ffmpegPath}' has no libvpx (VP8) encoder"
                : null;
        }
        catch (Win32Exception)
        {
            return $"'{ffmpegPath}' was not found (install Debian's ffmpeg, or give its path with --ffmpeg)";
        }
    }

    /// <summary>Encodes the frames at their average rate; throws <see cref="InvalidDataException"/> naming ffmpeg's complaint.</summary>
    public async Task<EncodedClip> EncodeAsync(ClipJob job, string workDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var frames = job.Frames;
        var span = (frames[^1].CapturedAtUtc - frames[0].CapturedAtUtc).TotalSeconds;

        // Constant rate over the window, so the clip lasts as long as the seconds it shows.
        var fps = span > 0 ? Math.Clamp((frames.Count - 1) / span, 0.5, 60) : 5;
        var output = Path.Combine(workDirectory, $"encode-{Guid.NewGuid():N}.webm");
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var rate = fps.ToString("0.###", CultureInfo.InvariantCulture);
            var keyframeEvery = Math.Max(1, (int)Math.Round(fps * 2)).ToString(CultureInfo.InvariantCulture);
            string[] arguments =
            [
                "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                "-f", "image2pipe", "-framerate", rate, "-c:v", "mjpeg", "-i", "pipe:0",
                // Realtime speed: a gateway encodes beside its analytics; a key frame every 2 s keeps seeking quick.
                "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", $"{bitrateKbps.ToString(CultureInfo.InvariantCulture)}k",
                "-g", keyframeEvery, "-auto-alt-ref", "0", "-pix_fmt", "yuv420p", "-an", "-f", "webm", output,
            ];
            var (exit, _, errors) = await RunAsync(arguments, async stdin =>
            {
                foreach (var frame in frames)
                {
                    await stdin.WriteAsync(frame.Jpeg, cancellationToken);
                }
            }, Timeout, cancellationToken);
            if (exit != 0 || !File.Exists(output))
            {
                throw new InvalidDataException($"ffmpeg could not encode the clip of {job.CameraId} (exit code {exit}): {errors.Trim()}");
            }

            var bytes = await File.ReadAllBytesAsync(output, cancellationToken);
            return new EncodedClip(bytes, MediaType, frames[0].WidthPx, frames[0].HeightPx, frames.Count, job.StartUtc, job.EndUtc, stopwatch.Elapsed);
        }
        finally
        {
            File.Delete(output);
        }
    }

    private async Task<(int Exit, string Output, string Errors)> RunAsync(
        IReadOnlyList<string> arguments, Func<Stream, Task>? feed, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(ffmpegPath)
        {
            RedirectStandardInput = feed is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new Win32Exception($"cannot start {ffmpegPath}");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var output = process.StandardOutput.ReadToEndAsync(limit.Token);
        var errors = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            if (feed is not null)
            {
                try
                {
                    await feed(process.StandardInput.BaseStream);
                }
                catch (IOException)
                {
                    // ffmpeg gave up early; its exit code and stderr say why.
                }
                finally
                {
                    process.StandardInput.Close();
                }
            }

            await process.WaitForExitAsync(limit.Token);
            return (process.ExitCode, await output, await errors);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new InvalidDataException($"ffmpeg did not finish within {timeout.TotalSeconds:F0} s");
        }
    }
}
