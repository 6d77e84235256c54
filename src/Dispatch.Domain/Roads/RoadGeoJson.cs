using System.Globalization;
using System.Text;
using System.Text.Json;
using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Roads;

/// <summary>
/// Reads and writes roads as a GeoJSON FeatureCollection of LineStrings/MultiLineStrings with
/// OpenStreetMap tags, as overpass-turbo/osmtogeojson (tags as flat properties or under "tags")
/// and ogr2ogr (highway/name columns plus an "other_tags" hstore string) export them.
/// </summary>
public static class RoadGeoJson
{
    private const int CoordinateDecimals = 7;

    public static RoadImportResult Read(string json, RoadImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new RoadFormatException(-1, null, $"not valid JSON: {e.Message}");
        }

        using (document)
        {
            return Read(document.RootElement, options ?? new RoadImportOptions());
        }
    }

    public static RoadImportResult Read(Stream utf8Json, RoadImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json);
        }
        catch (JsonException e)
        {
            throw new RoadFormatException(-1, null, $"not valid JSON: {e.Message}");
        }

        using (document)
        {
            return Read(document.RootElement, options ?? new RoadImportOptions());
        }
    }

    /// <summary>The roads as a FeatureCollection that <see cref="Read(string, RoadImportOptions?)"/> reads back unchanged (coordinates to 1e-7 degree).</summary>
    public static string Write(IEnumerable<RoadFeature> roads)
    {
        ArgumentNullException.ThrowIfNull(roads);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "FeatureCollection");
            writer.WriteStartArray("features");
            foreach (var road in roads)
            {
                WriteFeature(writer, road);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static RoadImportResult Read(JsonElement root, RoadImportOptions options)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("type", out var type)
            || type.ValueKind != JsonValueKind.String
            || type.GetString() != "FeatureCollection")
        {
            throw new RoadFormatException(-1, null, "expected a GeoJSON object with \"type\": \"FeatureCollection\"");
        }

        if (!root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
        {
            throw new RoadFormatException(-1, null, "a FeatureCollection needs a \"features\" array");
        }

        var roads = new List<RoadFeature>(features.GetArrayLength());
        var skipped = new List<SkippedRoadFeature>();
        var index = 0;
        foreach (var feature in features.EnumerateArray())
        {
            var parsed = ReadFeature(feature);
            if (parsed.Road is not null)
            {
                roads.Add(parsed.Road);
            }
            else if (options.OnError == RoadImportErrorMode.Refuse)
            {
                throw new RoadFormatException(index, parsed.Kind, parsed.Reason!);
            }
            else
            {
                skipped.Add(new SkippedRoadFeature(index, parsed.Kind, parsed.Reason!));
            }

            index++;
        }

        return new RoadImportResult(roads, skipped);
    }

    private readonly record struct Parsed(RoadFeature? Road, RoadImportErrorKind Kind, string? Reason)
    {
        public static Parsed Fail(RoadImportErrorKind kind, string reason) => new(null, kind, reason);
    }

    private static Parsed ReadFeature(JsonElement feature)
    {
        if (feature.ValueKind != JsonValueKind.Object
            || !feature.TryGetProperty("type", out var type)
            || type.ValueKind != JsonValueKind.String
            || type.GetString() != "Feature")
        {
            return Parsed.Fail(RoadImportErrorKind.NotAFeature, "not a GeoJSON Feature object");
        }

        var tags = new Tags(feature);
        var highway = tags.Get("highway");
        if (highway is null)
        {
            return Parsed.Fail(RoadImportErrorKind.MissingHighway, "no \"highway\" property");
        }

        var roadClass = RoadClasses.FromHighwayTag(highway);
        if (roadClass is null)
        {
            return Parsed.Fail(RoadImportErrorKind.UnknownHighway, $"highway \"{highway}\" is not a usable road class");
        }

        var maxSpeed = MaxSpeed.Parse(tags.Get("maxspeed"));
        if (!maxSpeed.IsOk)
        {
            return Parsed.Fail(RoadImportErrorKind.BadMaxSpeed, maxSpeed.Error!);
        }

        var oneWayTag = tags.Get("oneway");
        var roundabout = tags.Get("junction") is "roundabout" or "circular";
        OneWay oneWay;
        switch (oneWayTag)
        {
            case null:
                oneWay = roundabout || RoadClasses.IsImplicitlyOneWay(roadClass.Value) ? OneWay.Forward : OneWay.No;
                break;
            case "yes" or "true" or "1":
                oneWay = OneWay.Forward;
                break;
            case "-1" or "reverse":
                oneWay = OneWay.Backward;
                break;
            case "no" or "false" or "0":
                oneWay = OneWay.No;
                break;
            default:
                return Parsed.Fail(RoadImportErrorKind.BadOneWay, $"oneway \"{oneWayTag}\" is not one of yes, true, 1, -1, no, false, 0");
        }

        if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object)
        {
            return Parsed.Fail(RoadImportErrorKind.BadGeometry, "no geometry object");
        }

        var lines = ReadLines(geometry, out var geometryKind, out var geometryError);
        if (lines is null)
        {
            return Parsed.Fail(geometryKind, geometryError!);
        }

        var name = tags.Get("name");
        var nameEn = tags.Get("name:en");
        return new Parsed(new RoadFeature(roadClass.Value, maxSpeed.Value, oneWay, name, lines, string.IsNullOrWhiteSpace(nameEn) ? null : nameEn), default, null);
    }

    private static List<IReadOnlyList<GeoPoint>>? ReadLines(JsonElement geometry, out RoadImportErrorKind kind, out string? error)
    {
        kind = RoadImportErrorKind.BadGeometry;
        error = null;
        var type = geometry.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (!geometry.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array)
        {
            error = $"geometry {type ?? "(no type)"} has no coordinates array";
            return null;
        }

        var lines = new List<IReadOnlyList<GeoPoint>>();
        switch (type)
        {
            case "LineString":
                {
                    var line = ReadLine(coordinates, 0, out kind, out error);
                    if (line is null)
                    {
                        return null;
                    }

                    lines.Add(line);
                    return lines;
                }

            case "MultiLineString":
                {
                    var part = 0;
                    foreach (var lineElement in coordinates.EnumerateArray())
                    {
                        if (lineElement.ValueKind != JsonValueKind.Array)
                        {
                            error = $"MultiLineString part {part} is not an array of positions";
                            return null;
                        }

                        var line = ReadLine(lineElement, part, out kind, out error);
                        if (line is null)
                        {
                            return null;
                        }

                        lines.Add(line);
                        part++;
                    }

                    if (lines.Count == 0)
                    {
                        error = "MultiLineString has no lines";
                        return null;
                    }

                    return lines;
                }

            default:
                error = $"geometry type {type ?? "(none)"} is not a LineString or MultiLineString";
                return null;
        }
    }

    private static GeoPoint[]? ReadLine(JsonElement positions, int part, out RoadImportErrorKind kind, out string? error)
    {
        kind = RoadImportErrorKind.BadGeometry;
        error = null;
        var count = positions.GetArrayLength();
        if (count < 2)
        {
            error = $"line {part} has {count} position(s); a road needs at least 2";
            return null;
        }

        var points = new GeoPoint[count];
        var i = 0;
        foreach (var position in positions.EnumerateArray())
        {
            if (position.ValueKind != JsonValueKind.Array
                || position.GetArrayLength() < 2
                || position[0].ValueKind != JsonValueKind.Number
                || position[1].ValueKind != JsonValueKind.Number)
            {
                error = $"line {part} position {i} is not a [longitude, latitude] pair of numbers";
                return null;
            }

            var longitude = position[0].GetDouble();
            var latitude = position[1].GetDouble();
            var invalid = GeoPoint.Validate(latitude, longitude);
            if (invalid is not null)
            {
                kind = RoadImportErrorKind.CoordinateOutOfRange;
                error = $"line {part} position {i}: {invalid}";
                return null;
            }

            points[i++] = new GeoPoint(latitude, longitude);
        }

        return points;
    }

    private static void WriteFeature(Utf8JsonWriter writer, RoadFeature road)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "Feature");
        writer.WriteStartObject("properties");
        writer.WriteString("highway", RoadClasses.ToHighwayTag(road.Class));
        if (road.Name is not null)
        {
            writer.WriteString("name", road.Name);
        }

        if (road.NameEn is not null)
        {
            writer.WriteString("name:en", road.NameEn);
        }

        if (road.MaxSpeedKmh is { } maxSpeed)
        {
            writer.WriteString("maxspeed", maxSpeed.ToString("0.###", CultureInfo.InvariantCulture));
        }

        // Written explicitly so a motorway drawn two-way survives the round trip.
        var oneWay = road.OneWay switch
        {
            OneWay.Forward => "yes",
            OneWay.Backward => "-1",
            _ => "no",
        };
        if (road.OneWay != OneWay.No || RoadClasses.IsImplicitlyOneWay(road.Class))
        {
            writer.WriteString("oneway", oneWay);
        }

        writer.WriteEndObject();
        writer.WriteStartObject("geometry");
        var multi = road.Lines.Count > 1;
        writer.WriteString("type", multi ? "MultiLineString" : "LineString");
        writer.WriteStartArray("coordinates");
        foreach (var line in road.Lines)
        {
            if (multi)
            {
                writer.WriteStartArray();
            }

            foreach (var point in line)
            {
                writer.WriteStartArray();
                writer.WriteNumberValue(Math.Round(point.Longitude, CoordinateDecimals));
                writer.WriteNumberValue(Math.Round(point.Latitude, CoordinateDecimals));
                writer.WriteEndArray();
            }

            if (multi)
            {
                writer.WriteEndArray();
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>OSM tags of a feature wherever the exporter put them: flat properties, a "tags" object, or ogr2ogr's "other_tags".</summary>
    private readonly struct Tags(JsonElement feature)
    {
        private readonly JsonElement _properties =
            feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;

        public string? Get(string key)
        {
            if (_properties.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (_properties.TryGetProperty(key, out var value) && ToText(value) is { } flat)
            {
                return flat;
            }

            if (_properties.TryGetProperty("tags", out var nested)
                && nested.ValueKind == JsonValueKind.Object
                && nested.TryGetProperty(key, out var nestedValue)
                && ToText(nestedValue) is { } fromTags)
            {
                return fromTags;
            }

            if (_properties.TryGetProperty("other_tags", out var other) && other.ValueKind == JsonValueKind.String)
            {
                return FromHstore(other.GetString()!, key);
            }

            return null;
        }

        private static string? ToText(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            _ => null,
        };

        /// <summary>Reads one key from an hstore literal: "maxspeed"=>"50","oneway"=>"yes".</summary>
        private static string? FromHstore(string hstore, string key)
        {
            var needle = $"\"{key}\"=>\"";
            var start = hstore.IndexOf(needle, StringComparison.Ordinal);
            if (start < 0)
            {
                return null;
            }

            start += needle.Length;
            var end = hstore.IndexOf('"', start);
            return end < 0 ? null : hstore[start..end];
        }
    }
}
