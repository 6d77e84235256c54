using OpenCvSharp;

namespace Dispatch.Vision.Detection;

/// <summary>
/// What moved in one frame: regions in frame pixels, and the foreground mask they came from, which
/// is <see cref="MaskScale"/> times the frame's size.
/// </summary>
public sealed record MotionResult(IReadOnlyList<Rect> Regions, Mat ForegroundMask, double MaskScale, double MovingFraction)
{
    /// <summary>The part of the mask under a frame-pixel region.</summary>
    public Rect MaskRegion(Rect frameRegion)
    {
        var r = new Rect(
            (int)(frameRegion.X * MaskScale),
            (int)(frameRegion.Y * MaskScale),
            Math.Max(1, (int)(frameRegion.Width * MaskScale)),
            Math.Max(1, (int)(frameRegion.Height * MaskScale)));
        return r & new Rect(0, 0, ForegroundMask.Width, ForegroundMask.Height);
    }
}

/// <summary>
/// Background subtraction (MOG2) on a grey, blurred, downscaled frame. Only regions that changed
/// are handed to the person detector, which is what keeps many cameras on one core.
/// </summary>
public sealed class MotionGate : IDisposable
{
    private readonly BackgroundSubtractorMOG2 _subtractor;
    private readonly double _minAreaFraction;
    private readonly int _analysisWidthPx;
    private readonly Mat _small = new();
    private readonly Mat _grey = new();
    private readonly Mat _mask = new();
    private readonly Mat _kernel = Cv2.GetStructuringElement(MorphShapes.Ellipse, new Size(3, 3));

    /// <param name="threshold">Grey-level change (0..255) that counts as motion.</param>
    /// <param name="minAreaFraction">Smallest moving region kept, as a fraction of the frame.</param>
    /// <param name="analysisWidthPx">Frames wider than this are shrunk first; motion needs no detail.</param>
    public MotionGate(int threshold, double minAreaFraction, int analysisWidthPx = 320, int historyFrames = 300)
    {
        // MOG2 compares squared distances in units of the pixel's learnt variance; this keeps "threshold" in grey levels for the usual noise.
        _subtractor = BackgroundSubtractorMOG2.Create(historyFrames, threshold * threshold / 16.0, detectShadows: false);
        _minAreaFraction = minAreaFraction;
        _analysisWidthPx = analysisWidthPx;
    }

    public MotionResult Apply(Mat bgrFrame)
    {
        var scale = Math.Min(1.0, (double)_analysisWidthPx / bgrFrame.Width);
        if (scale < 1)
        {
            Cv2.Resize(bgrFrame, _small, new Size(), scale, scale, InterpolationFlags.Area);
            Cv2.CvtColor(_small, _grey, ColorConversionCodes.BGR2GRAY);
        }
        else
        {
            Cv2.CvtColor(bgrFrame, _grey, ColorConversionCodes.BGR2GRAY);
        }

        Cv2.GaussianBlur(_grey, _grey, new Size(3, 3), 0);
        _subtractor.Apply(_grey, _mask);
        Cv2.Threshold(_mask, _mask, 127, 255, ThresholdTypes.Binary);
        Cv2.MorphologyEx(_mask, _mask, MorphTypes.Open, _kernel);

        // Join a person's limbs and torso into one blob.
        Cv2.Dilate(_mask, _mask, _kernel, iterations: 2);

        var minArea = _minAreaFraction * _mask.Width * _mask.Height;
        Cv2.FindContours(_mask, out var contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
        var smallRegions = contours
            .Where(c => Cv2.ContourArea(c) >= minArea)
            .Select(c => Cv2.BoundingRect(c))
            .ToList();

        // A person often falls apart into head, torso and legs; blobs this close belong together.
        var joinGapPx = Math.Max(2, (int)(_mask.Height * 0.03));
        var regions = Join(smallRegions, joinGapPx)
            .Select(r => new Rect((int)(r.X / scale), (int)(r.Y / scale), (int)Math.Ceiling(r.Width / scale), (int)Math.Ceiling(r.Height / scale))
                & new Rect(0, 0, bgrFrame.Width, bgrFrame.Height))
            .ToList();
        var moving = (double)Cv2.CountNonZero(_mask) / (_mask.Width * _mask.Height);
        return new MotionResult(regions, _mask, scale, moving);
    }

    internal static List<Rect> Join(List<Rect> rects, int gapPx)
    {
        var joined = true;
        while (joined)
        {
            joined = false;
            for (var i = 0; i < rects.Count && !joined; i++)
            {
                var grown = new Rect(rects[i].X - gapPx, rects[i].Y - gapPx, rects[i].Width + (2 * gapPx), rects[i].Height + (2 * gapPx));
                for (var j = i + 1; j < rects.Count; j++)
                {
                    if ((grown & rects[j]).Width > 0)
                    {
                        rects[i] |= rects[j];
                        rects.RemoveAt(j);
                        joined = true;
                        break;
                    }
                }
            }
        }

        return rects;
    }

    public void Dispose()
    {
        _subtractor.Dispose();
        _small.Dispose();
        _grey.Dispose();
        _mask.Dispose();
        _kernel.Dispose();
    }
}
