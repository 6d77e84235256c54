using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.GridEvents;

namespace Dispatch.Server.GridEvents;

/// <summary>Grid events (appsettings "Dispatch:GridEvents", docs/grid-events.md): the catalog (departments, categories, routes) and the limits of the surface.</summary>
public sealed class GridEventOptions : GridEventCatalog
{
    public const string SectionName = "Dispatch:GridEvents";

    /// <summary>Photos one report may carry.</summary>
    public int MaxPhotos { get; set; } = 3;

    /// <summary>Largest photo, in bytes (after base64 decoding).</summary>
    public int MaxPhotoBytes { get; set; } = 2_000_000;

    /// <summary>Largest photo side in pixels (a decoded 20,000 × 20,000 image would take gigabytes).</summary>
    public int MaxPhotoSidePixels { get; set; } = 8_000;

    public int MaxTextLength { get; set; } = 2_000;

    /// <summary>Reports, follow-up reads and ratings one client address may make without an account, per hour.</summary>
    public int ResidentRequestsPerHourPerAddress { get; set; } = 20;

    /// <summary>How often each host looks for open events past their time limit.</summary>
    public double SlaSweepSeconds { get; set; } = 30;

    public IReadOnlyList<string> Validate(CityModel? city)
    {
        const string Prefix = SectionName + ":";
        var errors = new List<string>(ValidateCatalog(Prefix, city));
        void Check(bool ok, string key, string rule, double value)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Prefix}{key} {rule}, got {value}"));
            }
        }

        Check(MaxPhotos is >= 0 and <= 10, nameof(MaxPhotos), "must be within 0..10", MaxPhotos);
        Check(MaxPhotoBytes is >= 1_000 and <= 20_000_000, nameof(MaxPhotoBytes), "must be within 1000..20000000", MaxPhotoBytes);
        Check(MaxPhotoSidePixels is >= 16 and <= 20_000, nameof(MaxPhotoSidePixels), "must be within 16..20000", MaxPhotoSidePixels);
        Check(MaxTextLength is >= 10 and <= 20_000, nameof(MaxTextLength), "must be within 10..20000", MaxTextLength);
        Check(ResidentRequestsPerHourPerAddress is >= 1 and <= 100_000, nameof(ResidentRequestsPerHourPerAddress), "must be within 1..100000", ResidentRequestsPerHourPerAddress);
        Check(double.IsFinite(SlaSweepSeconds) && SlaSweepSeconds is >= 1 and <= 3600, nameof(SlaSweepSeconds), "must be within 1..3600", SlaSweepSeconds);
        return errors;
    }
}
