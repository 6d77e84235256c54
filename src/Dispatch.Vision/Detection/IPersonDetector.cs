using OpenCvSharp;

namespace Dispatch.Vision.Detection;

/// <summary>A person found in a frame, in pixels, with a score in [0,1].</summary>
public readonly record struct PersonDetection(Rect Box, double Score);

/// <summary>Finds people; called only for frames where something moved, and given where.</summary>
public interface IPersonDetector : IDisposable
{
    /// <summary>A short name reported with each alert ("hog", "motion-blob").</summary>
    string Name { get; }

    IReadOnlyList<PersonDetection> Detect(Mat bgrFrame, MotionResult motion);
}
