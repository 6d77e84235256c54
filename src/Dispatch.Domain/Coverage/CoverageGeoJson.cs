using System.Text;
using System.Text.Json;

namespace Dispatch.Domain.Coverage;

/// <summary>Coverage as GeoJSON map layers (longitude/latitude, as GeoJSON requires).</summary>
public static class CoverageGeoJson
{
    private const int CoordinateDecimals = 7;

    /// <summary>
    /// One square per covered sample point (side = the sample spacing), with "tier_seconds": the
    /// smallest tier target within which it is reached, for a layer coloured 1/3/5 minutes.
    /// </summary>
    public static string CoveredCells(CoverageMap map, CoverageReport report)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(report);
        var frame = map.Graph.Frame;
        var half = map.Options.SampleSpacingMeters / 2;
        return Collection(writer =>
        {
            for (var s = 0; s < map.SampleCount; s++)
            {
                var seconds = report.SampleSeconds[s];
                var tier = report.TierSeconds.FirstOrDefault(t => seconds <= t);
                if (tier == 0)
                {
                    continue;
                }

                var position = map.SamplePositions[s];
                var x = frame.X(position);
                var y = frame.Y(position);
                writer.WriteStartObject();
                writer.WriteString("type", "Feature");
                writer.WriteStartObject("properties");
                writer.WriteString("grid_id", map.Grids[map.SampleGrid[s]].Id);
                writer.WriteNumber("tier_seconds", tier);
                writer.WriteNumber("eta_seconds", Math.Round(seconds, 1));
                writer.WriteEndObject();
                writer.WriteStartObject("geometry");
                writer.WriteString("type", "Polygon");
                writer.WriteStartArray("coordinates");
                writer.WriteStartArray();
                foreach (var (dx, dy) in new[] { (-half, -half), (half, -half), (half, half), (-half, half), (-half, -half) })
                {
                    var corner = frame.ToGeo(x + dx, y + dy);
                    Position(writer, corner.Longitude, corner.Latitude);
                }

                writer.WriteEndArray();
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
        });
    }

    /// <summary>Each grid's boundary with its covered share per tier ("covered_60": 0.83, ...) and whether it counts as covered.</summary>
    public static string Grids(CoverageMap map, CoverageReport report)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(report);
        return Collection(writer =>
        {
            for (var g = 0; g < map.Grids.Count; g++)
            {
                var grid = map.Grids[g];
                var coverage = report.Grids[g];
                writer.WriteStartObject();
                writer.WriteString("type", "Feature");
                writer.WriteStartObject("properties");
                writer.WriteString("grid_id", grid.Id);
                writer.WriteString("name", grid.Name);
                for (var t = 0; t < report.TierSeconds.Count; t++)
                {
                    var tier = CoverageMap.Format(report.TierSeconds[t]);
                    writer.WriteNumber($"covered_{tier}", Math.Round(coverage.CoveredShare[t], 3));
                    writer.WriteBoolean($"is_covered_{tier}", coverage.CoveredShare[t] >= report.GridCoveredShare);
                }

                writer.WriteEndObject();
                writer.WriteStartObject("geometry");
                writer.WriteString("type", "Polygon");
                writer.WriteStartArray("coordinates");
                foreach (var ring in new[] { grid.Boundary.ExteriorRing }.Concat(grid.Boundary.InteriorRings))
                {
                    writer.WriteStartArray();
                    foreach (var c in ring.Coordinates)
                    {
                        Position(writer, c.X, c.Y);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
        });
    }

    private static void Position(Utf8JsonWriter writer, double longitude, double latitude)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(Math.Round(longitude, CoordinateDecimals));
        writer.WriteNumberValue(Math.Round(latitude, CoordinateDecimals));
        writer.WriteEndArray();
    }

    private static string Collection(Action<Utf8JsonWriter> writeFeatures)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "FeatureCollection");
            writer.WriteStartArray("features");
            writeFeatures(writer);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
