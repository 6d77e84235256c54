using OpenCvSharp;

namespace Dispatch.Vision.Detection;

/// <summary>
/// OpenCV's HOG + linear SVM pedestrian detector (Dalal-Triggs, 64x128 window), run only on the
/// moving regions, each grown to at least one detection window. It is trained on photographs of
/// upright pedestrians about 100 px tall or more; it misses small, sitting or partly hidden people.
/// </summary>
public sealed class HogPersonDetector : IPersonDetector
{
    private static readonly Size Window = new(64, 128);
    private readonly HOGDescriptor _hog = new();
    private readonly double _hitThreshold;

    /// <param name="hitThreshold">SVM margin a window must exceed; 0 is OpenCV's default.</param>
    public HogPersonDetector(double hitThreshold = 0)
    {
        _hog.SetSVMDetector(HOGDescriptor.GetDefaultPeopleDetector());
        _hitThreshold = hitThreshold;
    }

    public string Name => "hog";

    public IReadOnlyList<PersonDetection> Detect(Mat bgrFrame, MotionResult motion)
    {
        var found = new List<PersonDetection>();
        var frameRect = new Rect(0, 0, bgrFrame.Width, bgrFrame.Height);
        foreach (var roi in MergeOverlapping(motion.Regions.Select(r => Grow(r, frameRect)).ToList()))
        {
            if (roi.Width < Window.Width || roi.Height < Window.Height)
            {
                continue;
            }

            using var patch = new Mat(bgrFrame, roi);
            var boxes = _hog.DetectMultiScale(patch, out var weights, _hitThreshold, new Size(8, 8), new Size(8, 8), 1.05, 2);
            for (var i = 0; i < boxes.Length; i++)
            {
                var box = boxes[i];
                found.Add(new PersonDetection(new Rect(box.X + roi.X, box.Y + roi.Y, box.Width, box.Height), MarginToScore(weights[i])));
            }
        }

        return found;
    }

    /// <summary>SVM margins are unbounded; squash them monotonically into [0,1) (margin 1 scores 0.5).</summary>
    internal static double MarginToScore(double margin) => margin <= 0 ? 0 : margin / (1 + margin);

    private static Rect Grow(Rect region, Rect frame)
    {
        // Some context around the moving pixels, and never smaller than the detector's window.
        var width = Math.Max(region.Width + (region.Width / 2), Window.Width + 16);
        var height = Math.Max(region.Height + (region.Height / 4), Window.Height + 16);
        var x = region.X + (region.Width / 2) - (width / 2);
        var y = region.Y + (region.Height / 2) - (height / 2);
        return new Rect(x, y, width, height) & frame;
    }

    private static List<Rect> MergeOverlapping(List<Rect> rects)
    {
        var merged = true;
        while (merged)
        {
            merged = false;
            for (var i = 0; i < rects.Count && !merged; i++)
            {
                for (var j = i + 1; j < rects.Count; j++)
                {
                    if ((rects[i] & rects[j]).Width > 0)
                    {
                        rects[i] |= rects[j];
                        rects.RemoveAt(j);
                        merged = true;
                        break;
                    }
                }
            }
        }

        return rects;
    }

    public void Dispose() => _hog.Dispose();
}
