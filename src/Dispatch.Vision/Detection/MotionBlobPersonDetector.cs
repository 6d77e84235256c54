using OpenCvSharp;

namespace Dispatch.Vision.Detection;

/// <summary>
/// Treats an upright moving blob of person-like size and shape as a person. Cheap and reliable on
/// synthetic scenes and fixed overhead views; it cannot tell a person from a dog or a swaying
/// branch of the same shape, so it suits test rigs and low-traffic areas, not busy streets.
/// </summary>
public sealed class MotionBlobPersonDetector(double minHeightFraction = 0.08, double minAspect = 1.2, double maxAspect = 5) : IPersonDetector
{
    public string Name => "motion-blob";

    public IReadOnlyList<PersonDetection> Detect(Mat bgrFrame, MotionResult motion)
    {
        var found = new List<PersonDetection>();
        var minHeight = minHeightFraction * bgrFrame.Height;
        foreach (var region in motion.Regions)
        {
            var aspect = (double)region.Height / Math.Max(1, region.Width);
            if (region.Height < minHeight || aspect < minAspect || aspect > maxAspect)
            {
                continue;
            }

            using var mask = new Mat(motion.ForegroundMask, motion.MaskRegion(region));
            var fill = (double)Cv2.CountNonZero(mask) / (mask.Width * mask.Height);

            // A standing person fills roughly half of its box; a solid block or a thin streak scores low.
            var score = Math.Clamp(1 - (Math.Abs(fill - 0.6) * 1.5), 0, 1);
            found.Add(new PersonDetection(region, score));
        }

        return found;
    }

    public void Dispose()
    {
    }
}
