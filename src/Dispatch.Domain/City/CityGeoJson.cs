using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.City;

/// <summary>A city file was refused: which feature (0-based index, -1 for the file itself) and why.</summary>
public sealed class CityFormatException(int featureIndex, string reason)
    : FormatException(featureIndex < 0 ? $"city file: {reason}" : $"city file: feature {featureIndex}: {reason}")
{
    public int FeatureIndex { get; } = featureIndex;

    public string Reason { get; } = reason;
}

/// <summary>Reads and writes the city GeoJSON format (see docs/city-format.md).</summary>
public static class CityGeoJson
{
    /// <summary>Geographic geometry: X = longitude, Y = latitude, WGS84.</summary>
    public static readonly GeometryFactory GeometryFactory = new(new PrecisionModel(), 4326);

    private const int FileLevel = -1;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    // Chinese names stay readable in the file instead of \uXXXX escapes.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private static readonly Dictionary<string, UnitKind> UnitKindsByName = new(StringComparer.Ordinal)
    {
        ["car"] = UnitKind.Car,
        ["motorcycle"] = UnitKind.Motorcycle,
        ["bicycle"] = UnitKind.Bicycle,
        ["foot"] = UnitKind.Foot,
    };

    /// <summary>Parses a city; throws <see cref="CityFormatException"/> naming the first bad feature.</summary>
    public static CityModel Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(() => JsonDocument.Parse(json, DocumentOptions));
    }

    public static CityModel Read(Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        return Parse(() => JsonDocument.Parse(utf8Json, DocumentOptions));
    }

    /// <summary>The city as a GeoJSON FeatureCollection that <see cref="Read(string)"/> reads back unchanged.</summary>
    public static string Write(CityModel city)
    {
        ArgumentNullException.ThrowIfNull(city);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "FeatureCollection");
            writer.WriteStartObject("properties");
            writer.WriteString("name", city.Name);
            WriteOptional(writer, "nameEn", city.NameEn);
            writer.WritePropertyName("center");
            WritePosition(writer, city.Center.Longitude, city.Center.Latitude);
            writer.WriteEndObject();
            writer.WriteStartArray("features");
            foreach (var grid in city.Grids)
            {
                WriteFeatureStart(writer, "grid", grid.Id);
                writer.WriteString("name", grid.Name);
                WriteOptional(writer, "nameEn", grid.NameEn);
                writer.WriteString("stationId", grid.StationId);
                writer.WriteEndObject();
                WritePolygon(writer, grid.Boundary);
                writer.WriteEndObject();
            }

            foreach (var station in city.Stations)
            {
                WriteFeatureStart(writer, "station", station.Id);
                writer.WriteString("name", station.Name);
                WriteOptional(writer, "nameEn", station.NameEn);
                writer.WriteString("gridId", station.GridId);
                writer.WriteNumber("onDutyResponders", station.OnDutyResponders);
                writer.WriteEndObject();
                WritePoint(writer, station.Location);
                writer.WriteEndObject();
            }

            foreach (var unit in city.Units)
            {
                WriteFeatureStart(writer, "unit", unit.Id);
                writer.WriteString("callSign", unit.CallSign);
                writer.WriteString("unitKind", UnitKindName(unit.Kind));
                writer.WriteString("homeStationId", unit.HomeStationId);
                writer.WriteEndObject();
                WritePoint(writer, unit.Start);
                writer.WriteEndObject();
            }

            foreach (var camera in city.Cameras)
            {
                WriteFeatureStart(writer, "camera", camera.Id);
                writer.WriteString("name", camera.Name);
                WriteOptional(writer, "nameEn", camera.NameEn);
                writer.WriteNumber("headingDeg", camera.HeadingDegrees);
                writer.WriteNumber("fovDeg", camera.FieldOfViewDegrees);
                writer.WriteString("stationId", camera.StationId);
                writer.WriteString("gatewayId", camera.GatewayId);
                writer.WriteEndObject();
                WritePoint(writer, camera.Location);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    internal static string UnitKindName(UnitKind kind) => kind switch
    {
        UnitKind.Car => "car",
        UnitKind.Motorcycle => "motorcycle",
        UnitKind.Bicycle => "bicycle",
        UnitKind.Foot => "foot",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown unit kind"),
    };

    private static CityModel Parse(Func<JsonDocument> parse)
    {
        JsonDocument document;
        try
        {
            document = parse();
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException or ArgumentException)
        {
            throw new CityFormatException(FileLevel, $"not JSON: {e.Message}");
        }

        using (document)
        {
            return new CityReader().Read(document.RootElement);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteFeatureStart(Utf8JsonWriter writer, string kind, string id)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "Feature");
        writer.WriteStartObject("properties");
        writer.WriteString("kind", kind);
        writer.WriteString("id", id);
    }

    private static void WritePoint(Utf8JsonWriter writer, GeoPoint point)
    {
        writer.WriteStartObject("geometry");
        writer.WriteString("type", "Point");
        writer.WritePropertyName("coordinates");
        WritePosition(writer, point.Longitude, point.Latitude);
        writer.WriteEndObject();
    }

    private static void WritePolygon(Utf8JsonWriter writer, Polygon polygon)
    {
        writer.WriteStartObject("geometry");
        writer.WriteString("type", "Polygon");
        writer.WriteStartArray("coordinates");
        WriteRing(writer, polygon.Shell);
        foreach (var hole in polygon.Holes)
        {
            WriteRing(writer, hole);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteRing(Utf8JsonWriter writer, LineString ring)
    {
        writer.WriteStartArray();
        foreach (var c in ring.Coordinates)
        {
            WritePosition(writer, c.X, c.Y);
        }

        writer.WriteEndArray();
    }

    private static void WritePosition(Utf8JsonWriter writer, double longitude, double latitude)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(longitude);
        writer.WriteNumberValue(latitude);
        writer.WriteEndArray();
    }

    /// <summary>One pass over the features; references are resolved after all features are known.</summary>
    private sealed class CityReader
    {
        private readonly List<GridSpec> _grids = [];
        private readonly List<StationSpec> _stations = [];
        private readonly List<PatrolUnitSpec> _units = [];
        private readonly List<CameraSpec> _cameras = [];
        private readonly Dictionary<string, HashSet<string>> _idsByKind = new(StringComparer.Ordinal)
        {
            ["grid"] = new(StringComparer.Ordinal),
            ["station"] = new(StringComparer.Ordinal),
            ["unit"] = new(StringComparer.Ordinal),
            ["camera"] = new(StringComparer.Ordinal),
        };

        private readonly List<(int Index, string Property, string TargetKind, string TargetId)> _references = [];

        public CityModel Read(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CityFormatException(FileLevel, $"not a FeatureCollection: the top level is a JSON {Describe(root.ValueKind)}, expected an object");
            }

            var type = root.TryGetProperty("type", out var typeElement) && typeElement.ValueKind == JsonValueKind.String
                ? typeElement.GetString()
                : null;
            if (type != "FeatureCollection")
            {
                throw new CityFormatException(FileLevel, $"not a FeatureCollection: \"type\" is {Quote(type)}");
            }

            if (!root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                throw new CityFormatException(FileLevel, "not a FeatureCollection: \"features\" must be an array");
            }

            if (!root.TryGetProperty("properties", out var cityProperties) || cityProperties.ValueKind != JsonValueKind.Object)
            {
                throw new CityFormatException(FileLevel, "missing city \"properties\" object (name and center) on the FeatureCollection");
            }

            var name = RequireString(cityProperties, "name", FileLevel);
            var nameEn = OptionalString(cityProperties, "nameEn", FileLevel);
            var center = ReadPosition(RequireProperty(cityProperties, "center", FileLevel), FileLevel, "center");

            var index = 0;
            foreach (var feature in features.EnumerateArray())
            {
                ReadFeature(feature, index);
                index++;
            }

            foreach (var (referrer, property, targetKind, targetId) in _references)
            {
                if (!_idsByKind[targetKind].Contains(targetId))
                {
                    throw new CityFormatException(referrer, $"dangling reference: {property} '{targetId}' names no {targetKind} in the file");
                }
            }

            try
            {
                return new CityModel(name, center, _grids, _stations, _units, _cameras, nameEn);
            }
            catch (ArgumentException e)
            {
                // The checks above mirror the model's; this is a safety net, not the expected path.
                throw new CityFormatException(FileLevel, e.Message);
            }
        }

        private void ReadFeature(JsonElement feature, int index)
        {
            if (feature.ValueKind != JsonValueKind.Object)
            {
                throw new CityFormatException(index, $"a feature must be a JSON object, got {Describe(feature.ValueKind)}");
            }

            var type = feature.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type != "Feature")
            {
                throw new CityFormatException(index, $"\"type\" must be \"Feature\", got {Quote(type)}");
            }

            if (!feature.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            {
                throw new CityFormatException(index, "missing \"properties\" object");
            }

            if (!properties.TryGetProperty("kind", out var kindElement) || kindElement.ValueKind == JsonValueKind.Null)
            {
                throw new CityFormatException(index, "missing property \"kind\" (grid, station, unit or camera)");
            }

            var kind = kindElement.ValueKind == JsonValueKind.String ? kindElement.GetString() : kindElement.GetRawText();
            if (kind is null || !_idsByKind.ContainsKey(kind))
            {
                throw new CityFormatException(index, $"unknown kind {Quote(kind)} (expected grid, station, unit or camera)");
            }

            var id = RequireString(properties, "id", index);
            var geometry = RequireGeometry(feature, kind == "grid" ? "Polygon" : "Point", index);
            string? error;
            switch (kind)
            {
                case "grid":
                    var grid = new GridSpec(
                        id,
                        RequireString(properties, "name", index),
                        RequireString(properties, "stationId", index),
                        ReadPolygon(geometry, index),
                        OptionalString(properties, "nameEn", index));
                    error = CityModel.CheckGrid(grid);
                    AddReference(index, "stationId", "station", grid.StationId);
                    _grids.Add(grid);
                    break;
                case "station":
                    var station = new StationSpec(
                        id,
                        RequireString(properties, "name", index),
                        ReadPosition(geometry, index, "coordinates"),
                        RequireString(properties, "gridId", index),
                        RequireInteger(properties, "onDutyResponders", index),
                        OptionalString(properties, "nameEn", index));
                    error = CityModel.CheckStation(station);
                    AddReference(index, "gridId", "grid", station.GridId);
                    _stations.Add(station);
                    break;
                case "unit":
                    var unitKindName = RequireString(properties, "unitKind", index);
                    if (!UnitKindsByName.TryGetValue(unitKindName, out var unitKind))
                    {
                        throw new CityFormatException(index, $"unknown unitKind '{unitKindName}' (expected car, motorcycle, bicycle or foot)");
                    }

                    var unit = new PatrolUnitSpec(
                        id,
                        RequireString(properties, "callSign", index),
                        unitKind,
                        RequireString(properties, "homeStationId", index),
                        ReadPosition(geometry, index, "coordinates"));
                    error = CityModel.CheckUnit(unit);
                    AddReference(index, "homeStationId", "station", unit.HomeStationId);
                    _units.Add(unit);
                    break;
                default:
                    var camera = new CameraSpec(
                        id,
                        RequireString(properties, "name", index),
                        ReadPosition(geometry, index, "coordinates"),
                        RequireNumber(properties, "headingDeg", index),
                        RequireNumber(properties, "fovDeg", index),
                        RequireString(properties, "stationId", index),
                        RequireString(properties, "gatewayId", index),
                        OptionalString(properties, "nameEn", index));
                    error = CityModel.CheckCamera(camera);
                    AddReference(index, "stationId", "station", camera.StationId);
                    _cameras.Add(camera);
                    break;
            }

            if (error is not null)
            {
                throw new CityFormatException(index, error);
            }

            if (!_idsByKind[kind].Add(id))
            {
                throw new CityFormatException(index, $"duplicate {kind} id '{id}'");
            }
        }

        private void AddReference(int index, string property, string targetKind, string targetId) =>
            _references.Add((index, property, targetKind, targetId));

        private static JsonElement RequireGeometry(JsonElement feature, string expectedType, int index)
        {
            if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object)
            {
                throw new CityFormatException(index, $"wrong geometry: expected a {expectedType}, the feature has none");
            }

            var type = geometry.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type != expectedType)
            {
                throw new CityFormatException(index, $"wrong geometry type: expected {expectedType}, got {Quote(type)}");
            }

            if (!geometry.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array)
            {
                throw new CityFormatException(index, $"{expectedType} geometry has no \"coordinates\" array");
            }

            return coordinates;
        }

        private static Polygon ReadPolygon(JsonElement rings, int index)
        {
            var linearRings = new List<LinearRing>();
            var ringNumber = 0;
            foreach (var ring in rings.EnumerateArray())
            {
                if (ring.ValueKind != JsonValueKind.Array)
                {
                    throw new CityFormatException(index, $"invalid polygon: ring {ringNumber} is not an array of positions");
                }

                var coordinates = new List<Coordinate>();
                foreach (var position in ring.EnumerateArray())
                {
                    var point = ReadPosition(position, index, $"ring {ringNumber} vertex {coordinates.Count}");
                    coordinates.Add(new Coordinate(point.Longitude, point.Latitude));
                }

                if (coordinates.Count < 4)
                {
                    throw new CityFormatException(index, $"invalid polygon: ring {ringNumber} has {coordinates.Count} positions, at least 4 are needed");
                }

                if (!coordinates[0].Equals2D(coordinates[^1]))
                {
                    throw new CityFormatException(index, $"invalid polygon: ring {ringNumber} is not closed (first and last positions differ)");
                }

                linearRings.Add(GeometryFactory.CreateLinearRing([.. coordinates]));
                ringNumber++;
            }

            if (linearRings.Count == 0)
            {
                throw new CityFormatException(index, "invalid polygon: no rings");
            }

            return GeometryFactory.CreatePolygon(linearRings[0], [.. linearRings.Skip(1)]);
        }

        /// <summary>A GeoJSON position [longitude, latitude, (altitude ignored)].</summary>
        private static GeoPoint ReadPosition(JsonElement position, int index, string what)
        {
            if (position.ValueKind != JsonValueKind.Array || position.GetArrayLength() < 2)
            {
                throw new CityFormatException(index, $"{what} must be a position [longitude, latitude]");
            }

            var longitude = ReadCoordinate(position[0], index, what, "longitude");
            var latitude = ReadCoordinate(position[1], index, what, "latitude");
            var error = GeoPoint.Validate(latitude, longitude);
            if (error is not null)
            {
                throw new CityFormatException(index, $"{what} out of range: {error}");
            }

            return new GeoPoint(latitude, longitude);
        }

        private static double ReadCoordinate(JsonElement value, int index, string what, string axis)
        {
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            {
                throw new CityFormatException(index, $"{what}: {axis} must be a finite number, got {value.GetRawText()}");
            }

            return number;
        }

        private static JsonElement RequireProperty(JsonElement properties, string name, int index)
        {
            if (!properties.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                throw new CityFormatException(index, $"missing property \"{name}\"");
            }

            return value;
        }

        /// <summary>An optional text property: absent or null gives null; when present it must be a non-empty string.</summary>
        private static string? OptionalString(JsonElement properties, string name, int index)
        {
            if (!properties.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return RequireString(properties, name, index);
        }

        private static string RequireString(JsonElement properties, string name, int index)
        {
            var value = RequireProperty(properties, name, index);
            if (value.ValueKind != JsonValueKind.String)
            {
                throw new CityFormatException(index, $"property \"{name}\" must be a string, got {value.GetRawText()}");
            }

            var text = value.GetString()!;
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new CityFormatException(index, $"property \"{name}\" must not be empty");
            }

            return text;
        }

        private static double RequireNumber(JsonElement properties, string name, int index)
        {
            var value = RequireProperty(properties, name, index);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            {
                throw new CityFormatException(index, $"property \"{name}\" must be a finite number, got {value.GetRawText()}");
            }

            return number;
        }

        private static int RequireInteger(JsonElement properties, string name, int index)
        {
            var value = RequireProperty(properties, name, index);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
            {
                throw new CityFormatException(index, $"property \"{name}\" must be a whole number, got {value.GetRawText()}");
            }

            return number;
        }

        private static string Quote(string? text) => text is null ? "missing" : $"\"{text}\"";

        private static string Describe(JsonValueKind kind) => kind.ToString().ToLower(CultureInfo.InvariantCulture);
    }
}
