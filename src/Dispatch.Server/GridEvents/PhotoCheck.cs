using OpenCvSharp;

namespace Dispatch.Server.GridEvents;

/// <summary>
/// A photo is what its bytes decode to, not what its sender calls it: the type comes from the file's signature (JPEG,
/// PNG or WebP), and the whole image must decode within the size limits.
/// </summary>
public static class PhotoCheck
{
    /// <summary>The photo's content type, or the refusal naming the photo (1-based) and what is wrong with it.</summary>
    public static (string? ContentType, string? Refusal) Check(int number, byte[] bytes, int maxBytes, int maxSidePixels)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0)
        {
            return (null, $"photo {number} is empty");
        }

        if (bytes.Length > maxBytes)
        {
            return (null, $"photo {number} is {bytes.Length} bytes, more than the {maxBytes} allowed");
        }

        var type = Signature(bytes);
        if (type is null)
        {
            return (null, $"photo {number} is not an image (JPEG, PNG or WebP expected)");
        }

        try
        {
            // Decoded in full: a file that only starts like an image is refused here (OpenCV caps the pixels it will allocate).
            using var image = Cv2.ImDecode(bytes, ImreadModes.Color);
            if (image.Empty())
            {
                return (null, $"photo {number} is not an image: it does not decode as {type}");
            }

            return Math.Max(image.Width, image.Height) > maxSidePixels
                ? (null, $"photo {number} is {image.Width}×{image.Height} pixels, more than {maxSidePixels} on a side")
                : (type, null);
        }
        catch (OpenCVException)
        {
            return (null, $"photo {number} is not an image: it does not decode as {type}");
        }
    }

    private static string? Signature(byte[] b) =>
        b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF ? "image/jpeg"
        : b.Length >= 8 && b[0] == 0x89 && b[1] == (byte)'P' && b[2] == (byte)'N' && b[3] == (byte)'G' && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A ? "image/png"
        : b.Length >= 12 && b[0] == (byte)'R' && b[1] == (byte)'I' && b[2] == (byte)'F' && b[3] == (byte)'F' && b[8] == (byte)'W' && b[9] == (byte)'E' && b[10] == (byte)'B' && b[11] == (byte)'P' ? "image/webp"
        : null;
}
