using System.Globalization;
using OpenCvSharp;

namespace Dispatch.Vision.Health;

/// <summary>What is wrong with a camera's picture while its frames do arrive.</summary>
public enum PictureFault
{
    None = 0,

    /// <summary>The frames do not change: a stuck encoder or a frozen stream repeats one picture.</summary>
    Frozen = 1,

    /// <summary>The frames are black or nearly so: lens covered, no light, video cut to black.</summary>
    Dark = 2,
}

/// <summary>When a picture counts as frozen or dark (thresholds in grey levels, 0..255).</summary>
public sealed record PictureHealthSettings
{
    /// <summary>A picture that has not changed for this long is frozen.</summary>
    public double FrozenAfterSeconds { get; init; } = 10;

    /// <summary>
    /// Consecutive frames whose mean absolute grey difference stays at or under this have "not changed". A live sensor
    /// never gets there: its noise alone differs by a grey level or more from frame to frame, even over a static scene.
    /// </summary>
    public double FrozenMaxMeanDifference { get; init; } = 0.3;

    /// <summary>A picture dark for this long is reported.</summary>
    public double DarkAfterSeconds { get; init; } = 5;

    /// <summary>Mean brightness at or under this is dark: black or covered. A street at night with lamps stays well above.</summary>
    public double DarkMaxMeanBrightness { get; init; } = 12;

    /// <summary>Frames are shrunk to this width before looking: faults are in the whole picture, not its detail.</summary>
    public int AnalysisWidthPx { get; init; } = 160;

    public IReadOnlyList<string> Validate(string prefix)
    {
        var errors = new List<string>();
        if (!double.IsFinite(FrozenAfterSeconds) || FrozenAfterSeconds <= 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}frozen-after must be > 0 seconds, got {FrozenAfterSeconds}"));
        }

        if (!double.IsFinite(DarkAfterSeconds) || DarkAfterSeconds <= 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}dark-after must be > 0 seconds, got {DarkAfterSeconds}"));
        }

        if (!double.IsFinite(DarkMaxMeanBrightness) || DarkMaxMeanBrightness is < 0 or > 255)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}dark brightness must be within 0..255, got {DarkMaxMeanBrightness}"));
        }

        return errors;
    }
}

/// <summary>The picture's state after a frame: its fault (if one has lasted long enough), since when, and the figures behind it.</summary>
/// <param name="FaultFor">How long the fault has lasted, on the source's clock; zero without a fault.</param>
public sealed record PictureState(PictureFault Fault, TimeSpan FaultFor, double MeanBrightness, double MeanDifference)
{
    public static PictureState Unknown { get; } = new(PictureFault.None, TimeSpan.Zero, double.NaN, double.NaN);

    /// <summary>For heartbeats and logs: "picture frozen for 12 s", "picture dark (mean brightness 3 of 255) for 6 s"; empty without a fault.</summary>
    public string Describe() => Fault switch
    {
        PictureFault.Frozen => string.Create(CultureInfo.InvariantCulture, $"picture frozen for {FaultFor.TotalSeconds:F0} s"),
        PictureFault.Dark => string.Create(CultureInfo.InvariantCulture,
            $"picture dark or covered (mean brightness {MeanBrightness:F0} of 255) for {FaultFor.TotalSeconds:F0} s"),
        _ => string.Empty,
    };
}

/// <summary>
/// Watches one camera's frames for a frozen or dark picture: a camera that delivers frames is not necessarily a camera
/// that shows anything. Dark wins over frozen (a covered lens is also unchanging). Faults are timed on the source's own
/// clock, so a replay at any speed reports the same; a fault clears on the first frame without it.
/// </summary>
public sealed class PictureHealthMonitor(PictureHealthSettings settings) : IDisposable
{
    private readonly Mat _small = new();
    private readonly Mat _grey = new();
    private readonly Mat _previous = new();
    private readonly Mat _difference = new();
    private TimeSpan? _unchangedSince;
    private TimeSpan? _darkSince;
    private TimeSpan? _lastAt;

    public PictureHealthMonitor()
        : this(new PictureHealthSettings())
    {
    }

    public PictureState Current { get; private set; } = PictureState.Unknown;

    /// <summary>Looks at one BGR (or grey) frame taken at <paramref name="at"/> on the source's clock.</summary>
    public PictureState Observe(Mat frame, TimeSpan at)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Empty())
        {
            return Current;
        }

        var scale = Math.Min(1.0, (double)settings.AnalysisWidthPx / frame.Width);
        var source = frame;
        if (scale < 1)
        {
            Cv2.Resize(frame, _small, new Size(), scale, scale, InterpolationFlags.Area);
            source = _small;
        }

        if (source.Channels() == 3)
        {
            Cv2.CvtColor(source, _grey, ColorConversionCodes.BGR2GRAY);
        }
        else
        {
            source.CopyTo(_grey);
        }

        var brightness = Cv2.Mean(_grey).Val0;
        var difference = double.NaN;
        if (!_previous.Empty() && _previous.Size() == _grey.Size())
        {
            Cv2.Absdiff(_grey, _previous, _difference);
            difference = Cv2.Mean(_difference).Val0;
        }

        _grey.CopyTo(_previous);

        _darkSince = brightness <= settings.DarkMaxMeanBrightness ? _darkSince ?? at : null;
        _unchangedSince = double.IsNaN(difference) ? _unchangedSince
            : difference <= settings.FrozenMaxMeanDifference ? _unchangedSince ?? PreviousFrameTime(at)
            : null;
        _lastAt = at;

        var fault = PictureFault.None;
        var faultFor = TimeSpan.Zero;
        if (_darkSince is { } darkSince && at - darkSince >= TimeSpan.FromSeconds(settings.DarkAfterSeconds))
        {
            (fault, faultFor) = (PictureFault.Dark, at - darkSince);
        }
        else if (_unchangedSince is { } unchangedSince && at - unchangedSince >= TimeSpan.FromSeconds(settings.FrozenAfterSeconds))
        {
            (fault, faultFor) = (PictureFault.Frozen, at - unchangedSince);
        }

        Current = new PictureState(fault, faultFor, brightness, difference);
        return Current;
    }

    /// <summary>The picture stopped changing at the frame before this one: it is the first of the identical pair.</summary>
    private TimeSpan PreviousFrameTime(TimeSpan at) => _lastAt is { } last && last <= at ? last : at;

    public void Dispose()
    {
        _small.Dispose();
        _grey.Dispose();
        _previous.Dispose();
        _difference.Dispose();
    }
}
