using Dispatch.Vision.Geometry;
using OpenCvSharp;

namespace Dispatch.Vision.Synthetic;

/// <summary>A timed waypoint of a figure's feet, in normalised coordinates.</summary>
public readonly record struct Waypoint(TimeSpan At, NormalizedPoint Feet);

/// <summary>
/// A walking person drawn as a silhouette (head, torso, swinging arms and legs), following its
/// waypoints; visible only between the first and the last one.
/// </summary>
/// <param name="HeightFraction">Figure height as a fraction of the frame height.</param>
public sealed record SceneFigure(IReadOnlyList<Waypoint> Path, double HeightFraction = 0.35, Scalar? Clothes = null)
{
    /// <summary>Where the feet are at <paramref name="at"/>, or null when the figure is not in the scene.</summary>
    public NormalizedPoint? FeetAt(TimeSpan at)
    {
        if (Path.Count == 0 || at < Path[0].At || at > Path[^1].At)
        {
            return null;
        }

        for (var i = 1; i < Path.Count; i++)
        {
            if (at <= Path[i].At)
            {
                var a = Path[i - 1];
                var b = Path[i];
                var span = (b.At - a.At).TotalSeconds;
                var t = span <= 0 ? 1 : (at - a.At).TotalSeconds / span;
                return new NormalizedPoint(a.Feet.X + (t * (b.Feet.X - a.Feet.X)), a.Feet.Y + (t * (b.Feet.Y - a.Feet.Y)));
            }
        }

        return Path[^1].Feet;
    }

    /// <summary>A figure walking in a straight line from one point to another.</summary>
    public static SceneFigure Walking(NormalizedPoint from, NormalizedPoint to, TimeSpan start, TimeSpan end, double heightFraction = 0.35) =>
        new([new Waypoint(start, from), new Waypoint(end, to)], heightFraction);
}

/// <summary>
/// A deterministic street-like scene: a textured static background (sky, buildings, paving) with
/// mild sensor noise, and optional walking figures. Used for tests and for the gateway's synthetic cameras.
/// </summary>
public sealed class SyntheticScene : IDisposable
{
    private readonly Mat _background;
    private readonly Mat[] _noise;
    private int _noiseIndex;

    public SyntheticScene(int width, int height, int seed, IReadOnlyList<SceneFigure>? figures = null, double noiseSigma = 2.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 64);
        Width = width;
        Height = height;
        Figures = figures ?? [];
        _background = PaintBackground(width, height, seed);
        _noise = noiseSigma > 0 ? MakeNoise(width, height, noiseSigma, seed) : [];
    }

    public int Width { get; }

    public int Height { get; }

    public IReadOnlyList<SceneFigure> Figures { get; }

    /// <summary>Renders the scene at <paramref name="at"/> into <paramref name="frame"/> (allocated if needed).</summary>
    public void Render(TimeSpan at, Mat frame)
    {
        _background.CopyTo(frame);
        foreach (var figure in Figures)
        {
            if (figure.FeetAt(at) is { } feet)
            {
                DrawFigure(frame, figure, feet, at);
            }
        }

        if (_noise.Length > 0)
        {
            // Noise centred on 128, offset removed in the same saturating step: symmetric sensor noise.
            Cv2.AddWeighted(frame, 1, _noise[_noiseIndex], 1, -128, frame);
            _noiseIndex = (_noiseIndex + 1) % _noise.Length;
        }
    }

    private static Mat[] MakeNoise(int width, int height, double sigma, int seed)
    {
        // A generator of our own: OpenCV's default one is shared per thread, which would make scenes differ between runs.
        var rng = new RNG((ulong)seed + 1);
        // A few pre-drawn noise fields in rotation: random enough for a motion detector, cheap per frame.
        var fields = new Mat[7];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = new Mat(height, width, MatType.CV_8UC3);
            rng.Fill(fields[i], DistributionType.Normal, new Scalar(128, 128, 128), new Scalar(sigma, sigma, sigma));
        }

        return fields;
    }

    private void DrawFigure(Mat frame, SceneFigure figure, NormalizedPoint feet, TimeSpan at)
    {
        var h = figure.HeightFraction * Height;
        var fx = feet.X * Width;
        var fy = feet.Y * Height;
        var clothes = figure.Clothes ?? new Scalar(40, 45, 60);
        var skin = new Scalar(120, 150, 190);
        var limb = Math.Max(2, (int)(h * 0.07));

        // Stride phase from the walking distance so legs swing with movement and stand still at rest.
        var walked = at.TotalSeconds * 2.2;
        var swing = Math.Sin(walked * Math.PI) * 0.12 * h;
        var hip = new Point(fx, fy - (0.48 * h));
        var shoulderY = fy - (0.80 * h);
        var neck = new Point(fx, shoulderY);

        Cv2.Line(frame, hip, new Point(fx + swing, fy), clothes, limb + 1, LineTypes.AntiAlias);
        Cv2.Line(frame, hip, new Point(fx - swing, fy), clothes, limb + 1, LineTypes.AntiAlias);
        var torso = new[]
        {
            new Point(fx - (0.13 * h), shoulderY), new Point(fx + (0.13 * h), shoulderY),
            new Point(fx + (0.10 * h), hip.Y), new Point(fx - (0.10 * h), hip.Y),
        };
        Cv2.FillConvexPoly(frame, torso, clothes, LineTypes.AntiAlias);
        Cv2.Line(frame, new Point(fx - (0.12 * h), shoulderY + limb), new Point(fx - (0.15 * h) - (swing * 0.6), fy - (0.45 * h)), clothes, limb, LineTypes.AntiAlias);
        Cv2.Line(frame, new Point(fx + (0.12 * h), shoulderY + limb), new Point(fx + (0.15 * h) + (swing * 0.6), fy - (0.45 * h)), clothes, limb, LineTypes.AntiAlias);
        Cv2.Line(frame, neck, new Point(fx, shoulderY - (0.05 * h)), skin, limb, LineTypes.AntiAlias);
        Cv2.Circle(frame, new Point(fx, fy - (0.91 * h)), (int)(0.09 * h), skin, -1, LineTypes.AntiAlias);
    }

    private static Mat PaintBackground(int width, int height, int seed)
    {
        var random = new Random(seed);
        var image = new Mat(height, width, MatType.CV_8UC3, new Scalar(170, 160, 150));
        var horizon = (int)(height * 0.35);

        // Sky gradient, then buildings along the horizon, then paving with a tile pattern.
        for (var y = 0; y < horizon; y++)
        {
            var shade = 200 + (35 * y / Math.Max(1, horizon));
            Cv2.Line(image, new Point(0, y), new Point(width, y), new Scalar(Math.Min(255, shade + 10), shade - 10, shade - 40));
        }

        for (var x = 0; x < width;)
        {
            var w = random.Next(width / 16, width / 6);
            var top = horizon - random.Next(height / 10, (int)(height * 0.3));
            var tone = random.Next(70, 150);
            Cv2.Rectangle(image, new Rect(x, top, w, horizon - top), new Scalar(tone, tone + 5, tone + 15), -1);
            for (var wy = top + 6; wy < horizon - 8; wy += 12)
            {
                for (var wx = x + 5; wx < x + w - 8; wx += 12)
                {
                    Cv2.Rectangle(image, new Rect(wx, wy, 5, 6), new Scalar(tone + 60, tone + 70, tone + 50), -1);
                }
            }

            x += w + random.Next(0, width / 40);
        }

        var tile = Math.Max(12, width / 24);
        for (var y = horizon; y < height; y += tile / 2)
        {
            Cv2.Line(image, new Point(0, y), new Point(width, y), new Scalar(140, 135, 130), 1);
        }

        for (var x = 0; x < width; x += tile)
        {
            Cv2.Line(image, new Point(x, horizon), new Point((x - (width / 2)) * 2 + (width / 2), height), new Scalar(140, 135, 130), 1);
        }

        // Fine texture so the background is not flat: blurred random grain.
        using var flat = new Mat(height, width * 3, MatType.CV_8UC1);
        var bytes = new byte[width * height * 3];
        random.NextBytes(bytes);
        flat.SetArray(bytes);
        using var grain = flat.Reshape(3);
        Cv2.GaussianBlur(grain, grain, new Size(3, 3), 0);
        Cv2.AddWeighted(image, 0.85, grain, 0.15, 0, image);
        return image;
    }

    public void Dispose()
    {
        _background.Dispose();
        foreach (var field in _noise)
        {
            field.Dispose();
        }
    }
}
