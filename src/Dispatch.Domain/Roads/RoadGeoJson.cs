using System.Globalization;
using System.Text;
using System.Text.Json;
using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Roads;

/// <summary>
/// Reads and writes roads as GeoJSON with OpenStreetMap tags: a FeatureCollection as overpass-turbo/osmtogeojson
/// (tags as flat properties, with "@id", or under "tags") and ogr2ogr (highway/name columns plus an "other_tags"
/// hstore string) write it, or a sequence of Features one per line (RFC 8142 "geojsonseq", as `osmium export`
/// writes it). What a router ignores is left out and counted, as OSRM's profiles do: areas, points, features without
/// a highway tag, highway values that are no road (platform, construction, proposed, ...) and reversible lanes; a
/// maxspeed or oneway value that cannot be read is dropped and the road kept. Only broken data is an error.
/// </summary>
public static class RoadGeoJson
{
    private const int CoordinateDecimals = 7;

    /// <summary>Distinct labels kept per ignored-count table; a file with more odd values is summarised.</summary>
    private const int MaxIgnoredLabels = 64;

    /// <summary>The record separator that starts each Feature of a GeoJSON text sequence (RFC 8142).</summary>
    private const byte RecordSeparator = 0x1E;

    public static RoadImportResult Read(string json, RoadImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Read(Encoding.UTF8.GetBytes(json), options ?? new RoadImportOptions());
    }

    public static RoadImportResult Read(Stream utf8Json, RoadImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        using var buffer = new MemoryStream();
        utf8Json.CopyTo(buffer);
        return Read(buffer.ToArray(), options ?? new RoadImportOptions());
    }

    private static RoadImportResult Read(byte[] utf8, RoadImportOptions options)
    {
        var first = Array.FindIndex(utf8, b => b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF));
        if (first >= 0 && utf8[first] == RecordSeparator)
        {
            return ReadSequence(utf8, options);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8);
        }
        catch (JsonException e)
        {
            // Features one per line without separators (newline-delimited GeoJSON) read as a sequence too.
            if (StartsWithFeature(utf8))
            {
                return ReadSequence(utf8, options);
            }

            throw new RoadFormatException(-1, null, $"not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type", out var type)
                || type.ValueKind != JsonValueKind.String
                || type.GetString() != "FeatureCollection")
            {
                throw new RoadFormatException(-1, null, "expected a GeoJSON object with \"type\": \"FeatureCollection\" (or a sequence of Features, one a line)");
            }

            if (!root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                throw new RoadFormatException(-1, null, "a FeatureCollection needs a \"features\" array");
            }

            var import = new Import(options, features.GetArrayLength());
            foreach (var feature in features.EnumerateArray())
            {
                import.Add(feature);
            }

            return import.Result();
        }
    }

    /// <summary>A GeoJSON text sequence: record separators are whitespace to the reader, which then takes one Feature after another.</summary>
    private static RoadImportResult ReadSequence(byte[] utf8, RoadImportOptions options)
    {
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == RecordSeparator)
            {
                utf8[i] = (byte)'\n';
            }
        }

        var import = new Import(options, 0);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            while (true)
            {
                using var feature = JsonDocument.ParseValue(ref reader);
                import.Add(feature.RootElement);
                if (!reader.Read())
                {
                    break;
                }
            }
        }
        catch (JsonException e)
        {
            throw new RoadFormatException(import.Count, null, $"feature {import.Count} of the sequence is not valid JSON: {e.Message}");
        }

        return import.Result();
    }

    private static bool StartsWithFeature(byte[] utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true });
            using var first = JsonDocument.ParseValue(ref reader);
            return first.RootElement.ValueKind == JsonValueKind.Object
                && first.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "Feature";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>One file's import in progress: features in order, with the broken ones and the ignored ones counted.</summary>
    private sealed class Import(RoadImportOptions options, int capacity)
    {
        private readonly List<RoadFeature> _roads = new(capacity);
        private readonly List<SkippedRoadFeature> _skipped = [];
        private readonly Dictionary<string, int> _ignoredFeatures = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _ignoredTags = new(StringComparer.Ordinal);

        public int Count { get; private set; }

        public void Add(JsonElement feature)
        {
            var parsed = ReadFeature(feature);
            if (parsed.Road is not null)
            {
                _roads.Add(parsed.Road);
                foreach (var tag in parsed.DroppedTags ?? [])
                {
                    Tally(_ignoredTags, tag);
                }
            }
            else if (parsed.Ignored is { } why)
            {
                Tally(_ignoredFeatures, why);
            }
            else if (options.OnError == RoadImportErrorMode.Refuse)
            {
                throw new RoadFormatException(Count, parsed.Kind, parsed.Reason!);
            }
            else
            {
                _skipped.Add(new SkippedRoadFeature(Count, parsed.Kind, parsed.Reason!));
            }

            Count++;
        }

        public RoadImportResult Result() => new(_roads, _skipped, _ignoredFeatures, _ignoredTags);

        private static void Tally(Dictionary<string, int> counts, string label)
        {
            if (!counts.ContainsKey(label) && counts.Count >= MaxIgnoredLabels)
            {
                label = "(other values)";
            }

            counts[label] = counts.GetValueOrDefault(label) + 1;
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

    /// <summary>A road (with the tag values it dropped), a feature ignored on purpose (with why), or a broken one (kind and reason).</summary>
    private readonly record struct Parsed(RoadFeature? Road, RoadImportErrorKind Kind, string? Reason, string? Ignored = null, List<string>? DroppedTags = null)
    {
        public static Parsed Fail(RoadImportErrorKind kind, string reason) => new(null, kind, reason);

        public static Parsed Ignore(string why) => new(null, default, null, why);
    }

    /// <summary>highway values a router does not use but exports are full of: a label of their own, not the catch-all.</summary>
    private static string IgnoredHighway(string highway) => highway.Length <= 40 ? $"highway={highway}" : "highway=(long value)";

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
            // Buildings, route relations, barriers: whatever else the query caught is not a road.
            return Parsed.Ignore("no highway tag");
        }

        var geometry = feature.TryGetProperty("geometry", out var g) && g.ValueKind == JsonValueKind.Object ? g : default;
        var geometryType = geometry.ValueKind == JsonValueKind.Object && geometry.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()
            : null;
        switch (geometryType)
        {
            case "Point" or "MultiPoint":
                // Traffic signals, crossings, bus stops: tagged nodes, not ways.
                return Parsed.Ignore("point");
            case "Polygon" or "MultiPolygon":
                return Parsed.Ignore("area");
        }

        if (tags.Get("area") == "yes")
        {
            return Parsed.Ignore("area");
        }

        var roadClass = RoadClasses.FromHighwayTag(highway);
        if (roadClass is null)
        {
            return Parsed.Ignore(IgnoredHighway(highway));
        }

        var dropped = new List<string>();
        var maxSpeed = MaxSpeed.Parse(tags.Get("maxspeed"));
        if (!maxSpeed.IsOk)
        {
            dropped.Add(Label("maxspeed", tags.Get("maxspeed")!));
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
            case "reversible" or "alternating":
                // Its direction changes through the day: no route may count on it.
                return Parsed.Ignore($"oneway={oneWayTag}");
            default:
                // As routers read it: an unknown value is no restriction.
                dropped.Add(Label("oneway", oneWayTag));
                oneWay = roundabout || RoadClasses.IsImplicitlyOneWay(roadClass.Value) ? OneWay.Forward : OneWay.No;
                break;
        }

        if (geometry.ValueKind != JsonValueKind.Object)
        {
            return Parsed.Fail(RoadImportErrorKind.BadGeometry, $"highway \"{Shorten(highway)}\" has no geometry object");
        }

        var lines = ReadLines(geometry, out var geometryKind, out var geometryError);
        if (lines is null)
        {
            return Parsed.Fail(geometryKind, geometryError!);
        }

        var name = tags.Get("name");
        var nameEn = tags.Get("name:en");
        return new Parsed(new RoadFeature(roadClass.Value, maxSpeed.IsOk ? maxSpeed.Value : null, oneWay, name, lines, string.IsNullOrWhiteSpace(nameEn) ? null : nameEn), default, null, null, dropped);
    }

    private static string Label(string key, string value) => $"{key} \"{Shorten(value)}\"";

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";

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
